// attest show FILE: an SNP report, an Azure HCL report or a TCG event log, as a table or JSON.
#include <cstring>
#include <iostream>

#include "boot/event_log.h"
#include "core/file.h"

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

A TCG event log (binary_bios_measurements) is shown one event a line: index, PCR,
event type, SHA-256 digest, description; then the PCR values it replays to.
)";

// The crypto-agile log's first event carries "Spec ID Event03" after its 32-byte header.
bool is_event_log(ByteView data) {
  return data.size() >= 48 && std::memcmp(data.data() + 32, "Spec ID Event03", 16) == 0;
}

int show_event_log(ByteView data, bool json) {
  auto log = boot::parse_event_log(data);
  if (!log) return report_error("show", log.error(), json);
  auto pcrs = boot::replay_sha256(*log);
  if (json) {
    Json::Value v(Json::objectValue);
    v["type"] = "tcg-event-log";
    Json::Value events(Json::arrayValue);
    for (const auto& e : log->events) {
      Json::Value ev(Json::objectValue);
      ev["index"] = static_cast<Json::UInt64>(e.index);
      ev["pcr"] = e.pcr;
      ev["type"] = boot::event_type_name(e.type);
      ev["digest"] = hex_encode(e.sha256);
      ev["description"] = boot::describe_event(e);
      events.append(ev);
    }
    v["events"] = events;
    Json::Value replayed(Json::objectValue);
    for (const auto& [pcr, value] : pcrs) replayed[std::to_string(pcr)] = hex_encode(value);
    v["pcrs"] = replayed;
    print_json(v);
    return 0;
  }
  for (const auto& e : log->events) {
    print_line(std::cout, std::to_string(e.index) + "  PCR " + std::to_string(e.pcr) + "  " + boot::event_type_name(e.type) +
                              "  " + hex_encode(e.sha256) + "  " + boot::describe_event(e));
  }
  for (const auto& [pcr, value] : pcrs) print_line(std::cout, "PCR " + std::to_string(pcr) + "  " + hex_encode(value));
  return 0;
}
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
  {
    auto raw = read_file(args->positional()[0], boot::kMaxEventLogBytes + 1);
    if (raw && is_event_log(*raw)) return show_event_log(*raw, json);
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
