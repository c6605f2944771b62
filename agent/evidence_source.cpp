#include "agent/evidence_source.h"

#include <sys/stat.h>

#include "core/args.h"
#include "hal/tpm/transport.h"
#include "tests/mocks/snp/sev_guest_device.h"
#include "tests/mocks/snp/sim_source.h"

namespace attestd::agent {

namespace {

using SourceResult = Result<std::unique_ptr<hal::EvidenceSource>>;

Result<std::shared_ptr<hal::tpm::TpmTransport>> tpm_transport(const std::string& tpm) {
  if (tpm.rfind("tcp:", 0) != 0) return std::shared_ptr<hal::tpm::TpmTransport>(std::make_shared<hal::tpm::DeviceTransport>(tpm));
  std::string hostport = tpm.substr(4);
  std::size_t colon = hostport.rfind(':');
  if (colon == std::string::npos) return Error(ErrorCode::MalformedConfig, "tpm: expected tcp:HOST:PORT");
  std::string port = hostport.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return Error(ErrorCode::MalformedConfig, "tpm: '" + port + "' is not a port");
  }
  return std::shared_ptr<hal::tpm::TpmTransport>(std::make_shared<hal::tpm::SocketTransport>(
      hostport.substr(0, colon), static_cast<std::uint16_t>(std::stoul(port))));
}

SourceResult open_azure_vtpm(const EvidenceSettings& s) {
  auto transport = tpm_transport(s.tpm);
  if (!transport) return transport.error();
  hal::AzureVtpmOptions vtpm;
  vtpm.event_log_path = s.event_log;
  vtpm.encryption_key = s.tpm_encryption_key;
  auto source = std::make_unique<hal::AzureVtpmSource>(*transport, vtpm);
  // The HCL report must be there: otherwise this is no Azure CVM.
  if (auto hcl = source->read_hcl_report(); !hcl) {
    return Error(ErrorCode::NoEvidenceSource, "no Azure HCL report in " + (*transport)->describe() + ": " +
                                                  hcl.error().message());
  }
  return std::unique_ptr<hal::EvidenceSource>(std::move(source));
}

// The simulated guest: the identity, and the launch that `settings` describe.
Result<snpsim::ReportRequest> sim_launch(const EvidenceSettings& s) {
  snpsim::ReportRequest base;
  // The whole value: stoull alone would read "0xnope" as 0.
  auto policy = cli::parse_flag_integer("sim_policy", s.sim_policy, 0, ~std::uint64_t{0}, cli::IntegerBase::DecimalOrHex);
  if (!policy) return Error(ErrorCode::MalformedConfig, "sim_policy: '" + s.sim_policy + "' is not a number");
  base.policy = *policy;
  if (!s.sim_measurement.empty()) {
    auto m = hex_decode(s.sim_measurement);
    if (!m || m->size() != 48) return Error(ErrorCode::MalformedConfig, "sim_measurement: not 96 hex digits");
    std::copy(m->begin(), m->end(), base.measurement.begin());
  }
  base.vmpl = s.vmpl;
  return base;
}

Result<std::unique_ptr<snpsim::SimIdentity>> sim_identity(const EvidenceSettings& s) {
  if (s.sim_keys.empty()) return Error(ErrorCode::MalformedConfig, "sim_keys: required with evidence 'sim'");
  auto identity = snpsim::load_identity(s.sim_keys);
  if (!identity) return identity.error();
  return std::make_unique<snpsim::SimIdentity>(std::move(identity).value());
}

bool present(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

Result<OpenedSource> open_evidence_source(const EvidenceSettings& s) {
  OpenedSource opened;
  hal::SourceOptions options;
  options.vmpl = s.vmpl;
  options.sev_guest_path = s.sev_guest_path;
  options.tsm_root = s.tsm_root;
  if (s.tpm.rfind("/", 0) == 0) options.tpm_path = s.tpm;
  options.azure_vtpm = [&s]() { return open_azure_vtpm(s); };
  if (s.evidence == "sim") {
    // Only when asked for by name: a software AMD-SP for tests and the simulated image.
    options.sim = [&]() -> SourceResult {
      auto identity = sim_identity(s);
      if (!identity) return identity.error();
      auto launch = sim_launch(s);
      if (!launch) return launch.error();
      opened.sim = std::move(identity).value();
      return std::unique_ptr<hal::EvidenceSource>(new snpsim::SimEvidenceSource(*opened.sim, *launch, std::chrono::milliseconds(s.sim_report_ms)));
    };
  }
  auto source = hal::open_evidence_source(s.evidence, options);
  if (!source) return source.error();
  opened.source = std::move(source).value();
  return opened;
}

Result<OpenedDevice> open_sev_guest_device(const EvidenceSettings& s, const std::string& what) {
  OpenedDevice opened;
  if (s.evidence == "tsm" || s.evidence == "azure-vtpm") {
    return Error(ErrorCode::Usage, what + " comes only from /dev/sev-guest (sev-guest, or sim's simulated one): " +
                                       (s.evidence == "tsm" ? "configfs-tsm" : "the Azure vTPM") +
                                       " has no such request");
  }
  if (s.evidence == "sim") {
    auto identity = sim_identity(s);
    if (!identity) return identity.error();
    auto launch = sim_launch(s);
    if (!launch) return launch.error();
    opened.sim = std::move(identity).value();
    auto device = std::make_unique<snpsim::SimSevGuestDevice>(*opened.sim, *launch);
    device->set_guest_vmpl(s.vmpl);
    opened.device = std::move(device);
    opened.name = "sim";
    return opened;
  }
  if (s.evidence != "auto" && s.evidence != "sev-guest") {
    return Error(ErrorCode::Usage, "evidence source '" + s.evidence + "' is not auto, sev-guest, tsm, azure-vtpm or sim");
  }
  if (!present(s.sev_guest_path)) {
    return Error(ErrorCode::NoEvidenceSource, what + " comes only from /dev/sev-guest, and " + s.sev_guest_path +
                                                  " is absent (configfs-tsm and the Azure vTPM have no such request)");
  }
  auto device = hal::LinuxSevGuestDevice::open(s.sev_guest_path);
  if (!device) return device.error();
  opened.device = std::move(device).value();
  opened.name = "sev-guest";
  return opened;
}

}  // namespace attestd::agent
