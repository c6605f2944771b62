// attest measure --uki: the PCR 4, 7 and 11 values a correct boot of a signed UKI yields
// (docs/measured-boot.md), and the files `make image` writes from them.
#include <iostream>

#include <json/value.h>

#include "boot/expected_boot.h"
#include "client/cli/commands.h"
#include "client/cli/output.h"
#include "core/file.h"
#include "core/json.h"

namespace attestd::cli {

namespace {

const char* kCommand = "measure";

Json::Value events_json(const std::vector<boot::ExpectedEvent>& events) {
  Json::Value list(Json::arrayValue);
  for (const auto& e : events) {
    Json::Value v(Json::objectValue);
    v["type"] = boot::event_type_name(e.type);
    v["digest"] = hex_encode(e.sha256);
    v["description"] = e.description;
    list.append(v);
  }
  return list;
}

// {"4": "hex", "7": "hex", "11": "hex"}: what make image writes as pcrs-*.json.
Json::Value pcrs_json(const boot::ExpectedBoot& expected) {
  Json::Value v(Json::objectValue);
  for (const auto& [pcr, value] : expected.pcrs) v[std::to_string(pcr)] = hex_encode(value);
  return v;
}

// A client policy for a guest booted from this UKI on a vTPM: the runtime bound through
// the paravisor's user-data, each PCR's one allowed value, Secure Boot, the events.
Json::Value policy_json(const boot::ExpectedBoot& expected, bool secure_boot) {
  Json::Value v(Json::objectValue);
  v["runtime_binding"] = "vtpm-user-data";
  // HCLAkPub is the paravisor's only if the report is from VMPL 0 (Azure's paravisor asks
  // at VMPL 0; a guest at a higher VMPL could publish a key of its own in its report data).
  v["vmpls"] = Json::Value(Json::arrayValue);
  v["vmpls"].append(0);
  Json::Value pcrs(Json::objectValue), events(Json::objectValue);
  for (const auto& [pcr, value] : expected.pcrs) {
    pcrs[std::to_string(pcr)].append(hex_encode(value));
    events[std::to_string(pcr)] = events_json(expected.events.at(pcr));
  }
  v["pcrs"] = pcrs;
  v["secure_boot"] = secure_boot;
  v["boot_events"] = events;
  return v;
}

Status write_json(const std::string& path, const Json::Value& v) {
  std::string text = json_pretty(v) + "\n";
  return write_file(path, as_bytes(text));
}

}  // namespace

int cmd_measure_boot(const Args& args) {
  const bool json = args.flag("json");
  auto fail = [&](const Error& e) { return report_error(kCommand, e, json); };
  for (const char* snp_only : {"ovmf", "kernel", "initrd", "append", "vcpus", "vcpu-type", "vmm-type", "guest-features",
                               "ovmf-hash"}) {
    if (args.flag(snp_only)) {
      return fail(Error(ErrorCode::Usage, std::string("--") + snp_only + " is an SNP launch option; --uki computes PCRs"));
    }
  }
  auto vars_path = args.value("vars");
  if (!vars_path) return fail(Error(ErrorCode::Usage, "--vars FILE is required with --uki"));
  bool secure_boot = true;
  if (auto sb = args.value("secure-boot")) {
    if (*sb != "on" && *sb != "off") return fail(Error(ErrorCode::Usage, "--secure-boot: expected on or off, got '" + *sb + "'"));
    secure_boot = *sb == "on";
  }
  auto uki_bytes = read_file(*args.value("uki"), boot::kMaxPeImageBytes);
  if (!uki_bytes) return fail(uki_bytes.error().with_context("--uki"));
  auto uki = boot::PeImage::parse(std::move(uki_bytes).value());
  if (!uki) return fail(uki.error().with_context(*args.value("uki")));
  auto vars_bytes = read_file(*vars_path, boot::kMaxVarsFileBytes);
  if (!vars_bytes) return fail(vars_bytes.error().with_context("--vars"));
  auto vars = boot::UefiVariableStore::parse(*vars_bytes);
  if (!vars) return fail(vars.error().with_context(*vars_path));

  boot::BootInputs inputs{&*uki, &*vars, secure_boot, args.value("efi-path").value_or(boot::kDefaultEfiPath)};
  auto expected = boot::expected_boot(inputs);
  if (!expected) return fail(expected.error());

  if (auto out = args.value("pcrs-out")) {
    if (auto s = write_json(*out, pcrs_json(*expected)); !s) return fail(s.error());
  }
  if (auto out = args.value("policy-out")) {
    if (auto s = write_json(*out, policy_json(*expected, secure_boot)); !s) return fail(s.error());
  }
  if (json) {
    Json::Value v = policy_json(*expected, secure_boot);
    v["ok"] = true;
    v["uki_authenticode_sha256"] = hex_encode(uki->authenticode_sha256());
    print_json(v);
    return 0;
  }
  for (const auto& [pcr, value] : expected->pcrs) {
    print_line(std::cout, "PCR " + std::to_string(pcr) + "  " + hex_encode(value));
    for (const auto& e : expected->events.at(pcr)) {
      print_line(std::cout, "  " + boot::event_type_name(e.type) + "  " + hex_encode(e.sha256) + "  " + e.description);
    }
  }
  return 0;
}

}  // namespace attestd::cli
