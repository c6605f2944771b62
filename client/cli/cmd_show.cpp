// attest show FILE: an SNP report, an Azure HCL report, a TCG event log or a token (unverified),
// as a table or JSON.
#include <cctype>
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
#include "crypto/jose.h"

namespace attestd::cli {

namespace {
constexpr const char* kHelp = R"(usage: attest show FILE [--json] [--product Milan|Genoa|Turin]

Prints every field of an SEV-SNP attestation report (1184 bytes) or of an Azure
HCL report (read from vTPM NV index 0x01400001). --product decides how TCB values
are decoded when the report has no CPUID (version 2).

A TCG event log (binary_bios_measurements) is shown one event a line: index, PCR,
event type, SHA-256 digest, description; then the PCR values it replays to.

A token (a compact JWS, e.g. an MAA token saved to a file) is shown as its header and
claims, UNVERIFIED: nothing about its signature, issuer or lifetime is checked. Use
attest verify-token to verify one.

  --product NAME  Milan, Genoa or Turin: how a version 2 report's TCB is decoded
  --json          print the fields as a JSON object
)";

// "xxx.yyy.zzz" of base64url characters: a compact JWS, not a binary report or log.
bool is_compact_jws(std::string_view text) {
  std::size_t dots = 0;
  for (char c : text) {
    if (c == '.') ++dots;
    else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return dots == 2;
}

int show_token(std::string_view text, bool json) {
  auto jws = crypto::parse_compact_jws(text);
  if (!jws) return report_error("show", jws.error(), json);
  auto claims = parse_json(as_chars(jws->payload), "token payload", crypto::kMaxJwsSize);
  if (!claims) return report_error("show", Error(ErrorCode::MalformedToken, claims.error().message()), json);
  if (json) {
    Json::Value v(Json::objectValue);
    v["type"] = "jws";
    v["verified"] = false;
    v["header"] = jws->header;
    v["claims"] = *claims;
    print_json(v);
    return 0;
  }
  print_line(std::cout, "Token (UNVERIFIED: signature, issuer and lifetime not checked; see attest verify-token)");
  print_line(std::cout, "header:");
  print_block(std::cout, json_pretty(jws->header) + "\n");
  print_line(std::cout, "claims:");
  print_block(std::cout, json_pretty(*claims) + "\n");
  return 0;
}

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
    if (raw && raw->size() <= crypto::kMaxJwsSize + 1024) {
      std::string_view text = as_chars(*raw);
      while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
      if (is_compact_jws(text)) return show_token(text, json);
    }
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
