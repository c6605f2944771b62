#include "tests/mocks/azure/paravisor.h"

#include <algorithm>
#include <utility>

#include "crypto/sha.h"
#include "tests/mocks/azure/hcl_writer.h"

namespace attestd::azuresim {

Paravisor::Paravisor(std::shared_ptr<hal::tpm::TpmTransport> transport, ParavisorOptions options, crypto::PublicKey ak)
    : tpm_(std::move(transport)), options_(std::move(options)), ak_(std::move(ak)) {}

Paravisor::~Paravisor() { stop(); }

namespace {

// Issues the AK's certificate from the options' CA and writes it to its NV index, replacing
// one an earlier provisioning left.
Status write_ak_certificate(hal::tpm::Tpm& tpm, const crypto::PublicKey& ak, const ParavisorOptions& o) {
  crypto::CertificateSpec spec;
  spec.subject = "CN=" + o.vm_unique_id;
  spec.serial = Bytes{0x01, 0xAC};
  spec.not_before = o.ak_ca->not_before();
  spec.not_after = o.ak_ca->not_after();
  spec.key_usage = crypto::kKeyUsageDigitalSignature;
  spec.hash = crypto::HashAlg::Sha256;
  auto cert = crypto::issue_certificate(spec, ak, *o.ak_ca_key, o.ak_ca);
  if (!cert) return cert.error();
  const Bytes& der = cert->der();
  auto existing = tpm.nv_find(o.ak_cert_index);
  if (!existing) return existing.error();
  if (*existing) {
    if (Status s = tpm.nv_undefine_space(o.ak_cert_index); !s) return s;
  }
  if (Status s = tpm.nv_define_space(o.ak_cert_index, static_cast<std::uint16_t>(der.size())); !s) return s;
  return tpm.nv_write(o.ak_cert_index, der);
}

}  // namespace

Result<std::unique_ptr<Paravisor>> Paravisor::provision(std::shared_ptr<hal::tpm::TpmTransport> transport,
                                                        ParavisorOptions options) {
  if (!options.identity) return Error(ErrorCode::Usage, "paravisor: no snp-sim identity");
  hal::tpm::Tpm tpm(transport);
  if (Status s = tpm.startup(); !s) return s.error();
  auto ak = tpm.read_public(options.ak_handle);
  if (!ak) ak = tpm.create_persistent_ak(options.ak_handle);
  if (!ak) return ak.error().with_context("paravisor: AK");
  if (!tpm.nv_read_public(options.hcl_report_index)) {
    if (Status s = tpm.nv_define_space(options.hcl_report_index, options.hcl_index_size); !s) return s.error();
  }
  if (options.ak_ca_key && options.ak_ca) {
    if (Status s = write_ak_certificate(tpm, ak->key, options); !s) return s.error().with_context("paravisor: AK certificate");
  }
  std::unique_ptr<Paravisor> p(new Paravisor(std::move(transport), std::move(options), ak->key));
  if (Status s = p->publish(Bytes(64, 0)); !s) return s.error();
  return p;
}

Status Paravisor::publish(ByteView user_data) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string claims = azure_runtime_claims(ak_, user_data, options_.vm_unique_id);
  snpsim::ReportRequest request = options_.report;
  request.report_data = {};
  Bytes digest = crypto::sha256(as_bytes(claims));
  std::copy(digest.begin(), digest.end(), request.report_data.begin());
  auto report = snpsim::make_report(*options_.identity, request);
  if (!report) return report.error().with_context("paravisor");
  Bytes hcl = write_hcl_report(*report, claims, options_.hcl_index_size);
  if (hcl.size() > options_.hcl_index_size) {
    return Error(ErrorCode::Internal, "paravisor: HCL report of " + std::to_string(hcl.size()) +
                                          " bytes does not fit the NV index");
  }
  if (Status s = tpm_.nv_write(options_.hcl_report_index, hcl); !s) return s;
  last_user_data_ = to_bytes(user_data);
  ++published_;
  return ok_status();
}

void Paravisor::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { watch(); });
}

void Paravisor::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void Paravisor::watch() {
  while (!stopping_) {
    // An index not yet defined or written (the guest defines it) reads as an error: wait.
    auto data = tpm_.nv_read(options_.user_data_index);
    if (data) {
      bool changed;
      {
        std::lock_guard<std::mutex> lock(mu_);
        changed = *data != last_user_data_;
      }
      if (changed) {
        // Regenerating takes report_time; a write meanwhile is seen after this publish.
        const auto ready = std::chrono::steady_clock::now() + options_.report_time;
        while (!stopping_ && std::chrono::steady_clock::now() < ready) {
          std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
              ready - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
        }
        if (stopping_) break;
        (void)publish(*data);
      }
    }
    std::this_thread::sleep_for(options_.poll_interval);
  }
}

}  // namespace attestd::azuresim
