// attest show FILE: an SNP report or an Azure HCL report, as a table or JSON.
#include <iostream>

#include "core/args.h"
#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "client/lib/evidence_files.h"
#include "client/lib/report_view.h"
#include "core/json.h"

namespace attestd::cli {

namespace {
constexpr const char* kHelp = R"(usage: attest show FILE [--json] [--product Milan|Genoa|Turin]

Prints every field of an SEV-SNP attestation report (1184 bytes) or of an Azure
HCL report (read from vTPM NV index 0x01400001). --product decides how TCB values
are decoded when the report has no CPUID (version 2).
)";
}  // namespace

int cmd_show(const std::vector<std::string>& argv) {
  Args command_args;
  if (auto done = parse_command("show", argv, kHelp, {{"json"}, {"product", true}}, 1, 1, command_args)) return *done;
  const Args* args = &command_args;
  bool json = args->flag("json");
  snp::Product product = snp::Product::Unknown;
  if (auto p = args->value("product")) {
    auto parsed = snp::product_from_name(*p);
    if (!parsed) return report_error("show", Error(ErrorCode::Usage, "--product: " + parsed.error().message()), json);
    product = *parsed;
  }
  auto file = client::load_report_file(args->positional()[0]);
  if (!file) return report_error("show", file.error(), json);
  if (json) {
    Json::Value v = file->hcl ? client::hcl_json(*file->hcl, product)
                              : client::report_json(file->report, product);
    if (!file->hcl) v["type"] = "snp";
    print_json(v);
  } else {
    // An HCL report carries its runtime claims as text from the guest: shown escaped.
    print_block(std::cout, file->hcl ? client::hcl_table(*file->hcl, product)
                                     : client::report_table(file->report, product));
  }
  return 0;
}

}  // namespace attestd::cli
