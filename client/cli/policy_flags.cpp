#include "client/cli/policy_flags.h"

#include <json/value.h>

#include <map>

#include "core/file.h"
#include "core/json.h"
#include "crypto/base64.h"
#include "crypto/sha.h"

namespace attestd::cli {

namespace {

// Each one-off flag and the policy key it sets.
struct OneOff {
  const char* flag;
  const char* key;
  bool list;  // the key is an allow-list: the flag may repeat
};
constexpr OneOff kOneOffs[] = {{"measurement", "measurements", true},
                               {"host-data", "host_data", false},
                               {"report-data", "report_data", false},
                               {"id-key-digest", "id_key_digests", true},
                               {"author-key-digest", "author_key_digests", true}};

// Policy keys that add to the same allow-list as a flag's key.
struct SharedList {
  const char* key;
  const char* also;
  const char* what;
};
constexpr SharedList kSharedLists[] = {{"id_key_digests", "trusted_id_keys", "ID key"},
                                       {"author_key_digests", "trusted_author_keys", "author key"}};

// A rejected value: the flag's name, then what parse_policy said about the key.
Error flag_error(const std::string& flag, const Error& e) {
  std::string m = e.message();
  if (auto colon = m.find("': "); colon != std::string::npos) m = m.substr(colon + 3);
  return Error(ErrorCode::Usage, "--" + flag + ": " + m);
}

// SHA-256 of the decoded ACI confidential computing enforcement policy: the HOST_DATA
// Azure Container Instances launches the container group with (BlindBox computes it so).
Result<std::string> cce_host_data(const std::string& path) {
  auto text = read_text_file(path, kMaxJsonSize);
  if (!text) return text.error();
  std::string b64;
  for (char c : *text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') b64 += c;
  }
  auto rego = crypto::base64_decode(b64);
  if (!rego || rego->empty()) {
    return Error(ErrorCode::Usage, "--cce-policy: " + path + " is not a base64-encoded policy (as az confcom writes it)");
  }
  return hex_encode(crypto::sha256(*rego));
}

}  // namespace

std::vector<OptionSpec> policy_option_specs(Evidence evidence) {
  std::vector<OptionSpec> specs = {{"policy", true}, {"cce-policy", true}};
  for (const OneOff& o : kOneOffs) specs.push_back({o.flag, true, o.list});
  if (evidence == Evidence::Token) specs.push_back({"compliance-status", true});
  return specs;
}

const char* policy_options_help(Evidence evidence) {
  if (evidence == Evidence::Report) {
    return R"(  --measurement HEX     MEASUREMENT must be this (96 hex digits); repeatable: any of them
  --host-data HEX       HOST_DATA must be this (64 hex digits)
  --cce-policy FILE     HOST_DATA must be SHA-256 of this base64 ACI confidential
                        computing enforcement policy, decoded (Azure Container Instances)
  --report-data HEX     REPORT_DATA must start with these bytes, zero after them
  --id-key-digest HEX   ID_KEY_DIGEST must be this (96 hex digits); repeatable
  --author-key-digest HEX
                        AUTHOR_KEY_DIGEST must be this (96 hex digits); repeatable
                        (each of these is the policy key of docs/policy.md; with
                        --policy, a key set by both is a usage error)
)";
  }
  return R"(  --measurement HEX     x-ms-sevsnpvm-launchmeasurement must be this; repeatable
  --host-data HEX       x-ms-sevsnpvm-hostdata must be this (64 hex digits)
  --cce-policy FILE     host data must be SHA-256 of this base64 ACI confidential
                        computing enforcement policy, decoded (Azure Container Instances)
  --report-data HEX     x-ms-sevsnpvm-reportdata must start with these bytes, zero after
  --id-key-digest HEX   x-ms-sevsnpvm-idkeydigest must be this; repeatable
  --author-key-digest HEX
                        x-ms-sevsnpvm-authorkeydigest must be this; repeatable
  --compliance-status azure-compliant-cvm|azure-compliant-uvm|none
                        the x-ms-compliance-status required (default azure-compliant-cvm)
                        (each of these is the policy key of docs/policy.md; with
                        --policy, a key set by both is a usage error)
)";
}

Result<ChosenPolicy> policy_from_args(const Args& args, Evidence evidence, const std::string& default_name) {
  // The flags as a policy document of their own.
  Json::Value flags(Json::objectValue);
  std::vector<std::string> named;
  std::map<std::string, std::string> flag_of;  // policy key -> the flag that set it
  auto set = [&](const std::string& flag, const char* key, const Json::Value& v) -> Status {
    if (flags.isMember(key)) {
      return Error(ErrorCode::Usage, "--" + flag_of[key] + " and --" + flag + " both set policy key '" + key + "'");
    }
    // Each flag's value alone, so that an error names the flag.
    Json::Value one(Json::objectValue);
    one[key] = v;
    if (auto p = verify::parse_policy(json_compact(one)); !p) return flag_error(flag, p.error());
    flags[key] = v;
    flag_of[key] = flag;
    named.push_back(flag);
    return ok_status();
  };
  for (const OneOff& o : kOneOffs) {
    std::vector<std::string> values = args.values(o.flag);
    if (values.empty()) continue;
    Json::Value v;
    if (o.list) {
      v = Json::Value(Json::arrayValue);
      for (const std::string& s : values) v.append(s);
    } else {
      v = values.front();
    }
    if (Status s = set(o.flag, o.key, v); !s) return s.error();
  }
  if (auto path = args.value("cce-policy")) {
    auto host_data = cce_host_data(*path);
    if (!host_data) return host_data.error();
    if (Status s = set("cce-policy", "host_data", *host_data); !s) return s.error();
  }
  if (evidence == Evidence::Token) {
    if (auto status = args.value("compliance-status")) {
      if (*status != "azure-compliant-cvm" && *status != "azure-compliant-uvm" && *status != "none") {
        return Error(ErrorCode::Usage, "--compliance-status: '" + *status +
                                           "' is not azure-compliant-cvm, azure-compliant-uvm or none");
      }
      if (Status s = set("compliance-status", "compliance_status",
                         *status == "none" ? Json::Value(Json::nullValue) : Json::Value(*status));
          !s) {
        return s.error();
      }
    }
  }
  std::string flag_names;
  for (const std::string& f : named) flag_names += (flag_names.empty() ? "--" : ", --") + f;

  Json::Value doc(Json::objectValue);
  ChosenPolicy chosen;
  chosen.name = default_name;
  if (auto path = args.value("policy")) {
    auto text = read_text_file(*path, kMaxJsonSize);
    if (!text) return text.error();
    auto file = parse_json(*text, "policy");
    if (!file) return Error(ErrorCode::MalformedPolicy, file.error().message()).with_context(*path);
    if (!file->isObject()) return Error(ErrorCode::MalformedPolicy, "policy must be a JSON object").with_context(*path);
    doc = *file;
    chosen.name = *path;
    for (const std::string& key : flags.getMemberNames()) {
      if (doc.isMember(key)) {
        return Error(ErrorCode::Usage, "--" + flag_of[key] + " and the policy file " + *path + " both set policy key '" +
                                           key + "': give it in one place");
      }
      // Keys that feed one allow-list with the flag's: a flag adding to it would widen
      // the file's pin, not narrow it.
      for (const SharedList& shared : kSharedLists) {
        if (key == shared.key && doc.isMember(shared.also)) {
          return Error(ErrorCode::Usage, "--" + flag_of[key] + " and the policy file " + *path + " both set the " +
                                             shared.what + " allow-list (policy key '" + shared.also +
                                             "'): give it in one place");
        }
      }
    }
    if (!named.empty()) chosen.name += " with " + flag_names;
  } else if (!named.empty()) {
    chosen.name = flag_names + " (otherwise the default)";
  }
  for (const std::string& key : flags.getMemberNames()) doc[key] = flags[key];
  auto p = verify::parse_policy(json_compact(doc));
  if (!p) return args.value("policy") ? p.error().with_context(*args.value("policy")) : p.error();
  chosen.policy = std::move(p).value();
  return chosen;
}

}  // namespace attestd::cli
