#include "agent/config.h"

#include <json/value.h>

#include <climits>

#include "client/lib/maa_token.h"
#include "core/file.h"
#include "core/json.h"
#include "hal/kds_crl.h"

namespace attestd::agent {

namespace {

Error bad(const std::string& key, const std::string& why) {
  return Error(ErrorCode::MalformedConfig, "config key '" + key + "': " + why);
}

struct Field {
  const char* name;
  enum Kind { Text, Int, Strings } kind;
  std::string AgentConfig::*text = nullptr;
  int AgentConfig::*number = nullptr;
  std::vector<std::string> AgentConfig::*list = nullptr;
};

const Field kFields[] = {
    {"listen", Field::Text, &AgentConfig::listen},
    {"unix_socket", Field::Text, &AgentConfig::unix_socket},
    {"evidence", Field::Text, &AgentConfig::evidence},
    {"tpm", Field::Text, &AgentConfig::tpm},
    {"event_log", Field::Text, &AgentConfig::event_log},
    {"maa_protocol", Field::Text, &AgentConfig::maa_protocol},
    {"os_release", Field::Text, &AgentConfig::os_release},
    {"sim_keys", Field::Text, &AgentConfig::sim_keys},
    {"sim_policy", Field::Text, &AgentConfig::sim_policy},
    {"sim_measurement", Field::Text, &AgentConfig::sim_measurement},
    {"sim_report_ms", Field::Int, nullptr, &AgentConfig::sim_report_ms},
    {"maa_url", Field::Text, &AgentConfig::maa_url},
    {"maa_ca_file", Field::Text, &AgentConfig::maa_ca_file},
    {"maa_resolve", Field::Strings, nullptr, nullptr, &AgentConfig::maa_resolve},
    {"maa_timeout_ms", Field::Int, nullptr, &AgentConfig::maa_timeout_ms},
    {"batch_window_ms", Field::Int, nullptr, &AgentConfig::batch_window_ms},
    {"batch_close", Field::Text, &AgentConfig::batch_close},
    {"max_connections_per_peer", Field::Int, nullptr, &AgentConfig::max_connections_per_peer},
    {"handshake_timeout_ms", Field::Int, nullptr, &AgentConfig::handshake_timeout_ms},
    {"header_timeout_ms", Field::Int, nullptr, &AgentConfig::header_timeout_ms},
    {"idle_timeout_ms", Field::Int, nullptr, &AgentConfig::idle_timeout_ms},
    {"upstream", Field::Text, &AgentConfig::upstream},
    {"vcek_file", Field::Text, &AgentConfig::vcek_file},
    {"kds_url", Field::Text, &AgentConfig::kds_url},
    {"thim_url", Field::Text, &AgentConfig::thim_url},
    {"kds_cache_dir", Field::Text, &AgentConfig::kds_cache_dir},
    {"trust_sim_root", Field::Text, &AgentConfig::trust_sim_root},
    {"crl", Field::Text, &AgentConfig::crl},
    {"log_level", Field::Text, &AgentConfig::log_level},
};

std::string flag_name(const char* key) {
  std::string s = key;
  for (char& c : s) {
    if (c == '_') c = '-';
  }
  return s;
}

}  // namespace

Result<AgentConfig> parse_config(std::string_view json) {
  auto doc = parse_json(json, "config");
  if (!doc) return Error(ErrorCode::MalformedConfig, doc.error().message());
  if (!doc->isObject()) return Error(ErrorCode::MalformedConfig, "the configuration must be a JSON object");
  AgentConfig c;
  for (const std::string& key : doc->getMemberNames()) {
    const Json::Value& v = (*doc)[key];
    if (key == "comment") continue;
    if (key == "require_attestation") {
      if (!v.isBool()) return bad(key, "must be true or false");
      c.require_attestation = v.asBool();
      continue;
    }
    if (key == "maa_allow_plain_http") {
      if (!v.isBool()) return bad(key, "must be true or false");
      c.maa_allow_plain_http = v.asBool();
      continue;
    }
    if (key == "vmpl" || key == "max_connections") {
      auto n = json_integer(v, 0, UINT_MAX);
      if (!n) return bad(key, "must be a non-negative integer");
      if (key == "vmpl") c.vmpl = static_cast<unsigned>(*n);
      else c.max_connections = static_cast<std::size_t>(*n);
      continue;
    }
    const Field* f = nullptr;
    for (const Field& candidate : kFields) {
      if (key == candidate.name) f = &candidate;
    }
    if (!f) return bad(key, "unknown key (see docs/agent.md)");
    switch (f->kind) {
      case Field::Text:
        if (!v.isString()) return bad(key, "must be a string");
        c.*(f->text) = v.asString();
        break;
      case Field::Int:
        if (auto n = json_integer(v, INT_MIN, INT_MAX)) c.*(f->number) = static_cast<int>(*n);
        else return bad(key, "must be an integer");
        break;
      case Field::Strings:
        if (!v.isArray()) return bad(key, "must be a list of strings");
        for (const auto& item : v) {
          if (!item.isString()) return bad(key, "must be a list of strings");
          (c.*(f->list)).push_back(item.asString());
        }
        break;
    }
  }
  return c;
}

Result<AgentConfig> load_config(const std::string& path) {
  auto text = read_text_file(path, kMaxJsonSize);
  if (!text) return text.error();
  auto c = parse_config(*text);
  if (!c) return c.error().with_context(path);
  return c;
}

const std::vector<cli::OptionSpec>& config_flags() {
  static const std::vector<cli::OptionSpec> flags = [] {
    std::vector<cli::OptionSpec> f = {{"config", true}, {"vmpl", true}, {"max-connections", true},
                                         {"maa-allow-plain-http"}, {"require-attestation", true}};
    for (const Field& field : kFields) f.push_back({flag_name(field.name), true, field.kind == Field::Strings});
    return f;
  }();
  return flags;
}

Status apply_flags(const cli::Args& args, AgentConfig& c) {
  for (const Field& f : kFields) {
    std::string flag = flag_name(f.name);
    switch (f.kind) {
      case Field::Text:
        if (auto v = args.value(flag)) c.*(f.text) = *v;
        break;
      case Field::Int: {
        auto n = args.integer(flag, 0, INT_MAX);
        if (!n) return n.error();
        if (*n) c.*(f.number) = static_cast<int>(**n);
        break;
      }
      case Field::Strings:
        for (const auto& v : args.values(flag)) (c.*(f.list)).push_back(v);
        break;
    }
  }
  if (auto v = args.value("require-attestation")) {
    if (*v != "on" && *v != "off") return Error(ErrorCode::Usage, "--require-attestation takes on or off");
    c.require_attestation = *v == "on";
  }
  if (args.flag("maa-allow-plain-http")) c.maa_allow_plain_http = true;
  auto vmpl = args.integer("vmpl", 0, 3);
  if (!vmpl) return vmpl.error();
  if (*vmpl) c.vmpl = static_cast<unsigned>(**vmpl);
  auto max_connections = args.integer("max-connections", 1, 65536);
  if (!max_connections) return max_connections.error();
  if (*max_connections) c.max_connections = static_cast<std::size_t>(**max_connections);
  return ok_status();
}

Status validate(const AgentConfig& c) {
  auto bad_value = [](const std::string& key, const std::string& why) {
    return Error(ErrorCode::MalformedConfig, key + ": " + why);
  };
  if (c.maa_url.empty()) return bad_value("maa_url", "required: the MAA instance to attest with");
  if (!hal::parse_crl_mode(c.crl)) return bad_value("crl", "'" + c.crl + "': expected require, best-effort or off");
  auto plain_http = c.maa_allow_plain_http ? client::PlainHttp::LoopbackAllowed : client::PlainHttp::Refused;
  if (auto url = client::normalize_maa_url(c.maa_url, plain_http, "maa_allow_plain_http"); !url) {
    return bad_value("maa_url", url.error().message());
  }
  if (c.batch_window_ms < 0 || c.batch_window_ms > 10000) return bad_value("batch_window_ms", "must be 0 to 10000");
  if (c.batch_close != "adaptive" && c.batch_close != "timer") {
    return bad_value("batch_close", "'" + c.batch_close + "' is not adaptive or timer");
  }
  if (c.sim_report_ms < 0 || c.sim_report_ms > 60000) return bad_value("sim_report_ms", "must be 0 to 60000 (ms)");
  if (c.sim_report_ms != 0 && c.evidence != "sim") {
    return bad_value("sim_report_ms", "only the sim evidence source takes a report time, not '" + c.evidence + "'");
  }
  if (c.vmpl > 3) return bad_value("vmpl", "must be 0 to 3");
  if (c.max_connections < 1 || c.max_connections > 65536) return bad_value("max_connections", "must be 1 to 65536");
  if (c.max_connections_per_peer < 0 || c.max_connections_per_peer > 65536) {
    return bad_value("max_connections_per_peer", "must be 0 (no limit) to 65536");
  }
  for (auto [key, ms] : {std::pair<const char*, int>{"handshake_timeout_ms", c.handshake_timeout_ms},
                         {"header_timeout_ms", c.header_timeout_ms},
                         {"idle_timeout_ms", c.idle_timeout_ms}}) {
    if (ms < 100 || ms > 600000) return bad_value(key, "must be 100 to 600000 (ms)");
  }
  static const char* kinds[] = {"auto", "sev-guest", "tsm", "azure-vtpm", "sim"};
  bool known = false;
  for (const char* k : kinds) known = known || c.evidence == k;
  if (!known) return bad_value("evidence", "'" + c.evidence + "' is not auto, sev-guest, tsm, azure-vtpm or sim");
  if (c.evidence == "sim" && c.sim_keys.empty()) return bad_value("sim_keys", "required with evidence 'sim'");
  if (c.maa_protocol != "auto" && c.maa_protocol != "sevsnpvm" && c.maa_protocol != "azureguest") {
    return bad_value("maa_protocol", "'" + c.maa_protocol + "' is not auto, sevsnpvm or azureguest");
  }
  if (c.maa_protocol == "azureguest" && c.evidence != "auto" && c.evidence != "azure-vtpm") {
    return bad_value("maa_protocol", "azureguest needs the azure-vtpm evidence source (a vTPM quote and key), not '" +
                                         c.evidence + "'");
  }
  if (!c.upstream.empty() && c.upstream.rfind("http://", 0) != 0) {
    return bad_value("upstream", "must be http://HOST:PORT (the application inside the VM)");
  }
  if (c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" && c.log_level != "error") {
    return bad_value("log_level", "must be debug, info, warn or error");
  }
  return ok_status();
}

}  // namespace attestd::agent
