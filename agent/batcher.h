// Batched freshness (docs/freshness.md): the nonces of concurrent clients that arrive
// within a window share one Merkle tree, one runtime document, one hardware report and one
// MAA call; each client gets the token, the runtime data and its own inclusion proof.
//
// Leader/follower: the first caller of a batch leads it. It waits until the window has
// passed or the batch is full, closes the batch (later callers start the next one), runs
// the injected batch work without holding the lock and publishes the outcome; followers
// sleep on the batch's condition variable until then. A window of 0 closes every batch at
// once: one nonce per report.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/bytes.h"
#include "core/error.h"
#include "core/json.h"
#include "core/time.h"
#include "crypto/keys.h"
#include "crypto/merkle.h"
#include "hal/evidence.h"

namespace attestd::agent {

inline constexpr std::size_t kMinNonceBytes = 16, kMaxNonceBytes = 64;

struct BatcherConfig {
  int window_ms = 5;              // how long a batch collects nonces; 0 = every request alone
  std::size_t max_batch = 1024;   // a full batch closes early; the overflow starts the next
  int max_wait_ms = 60000;        // a caller gives up waiting for its batch after this long
};

struct BatcherStats {
  std::uint64_t batches = 0;         // batch work started
  std::uint64_t nonces = 0;          // nonces accepted into batches
  std::uint64_t failed_batches = 0;  // batch work that returned an error
  std::uint64_t largest_batch = 0;
};

// What one batch's attestation yields: MAA's token and, from a vTPM, the quote of the
// batch's PCRs, their values and the event log, as the answer's "tpm" member (one
// document shared by every answer of the batch).
struct BatchAttestation {
  std::string token;
  std::shared_ptr<const Json::Value> tpm;  // null when the evidence has no vTPM quote
};

// One batch's attestation: the agent plugs in evidence + MAA. Called on the leader's
// thread, possibly concurrently for consecutive batches.
using AttestBatchFn =
    std::function<Result<BatchAttestation>(const std::string& runtime_json, const hal::ReportData&)>;
using ClockFn = std::function<UnixTime()>;

class FreshnessBatcher {
 public:
  struct Attestation {
    std::string token;    // MAA's JWT for the batch
    std::shared_ptr<const Json::Value> tpm;  // the batch's vTPM evidence, or null
    std::string runtime;  // the runtime JSON, byte for byte as hashed into REPORT_DATA
    crypto::MerkleProof proof;  // this caller's nonce in the runtime's tree
  };

  FreshnessBatcher(BatcherConfig config, crypto::PublicKey tls_key, AttestBatchFn attest_batch,
                   ClockFn clock = now_unix);
  ~FreshnessBatcher();
  FreshnessBatcher(const FreshnessBatcher&) = delete;
  FreshnessBatcher& operator=(const FreshnessBatcher&) = delete;

  // Blocks until the batch holding `nonce` is done. MalformedInput for a nonce outside
  // 16..64 bytes; the batch's error for every caller in a failed batch; MaaUnavailable
  // when the batch did not finish within max_wait_ms.
  Result<Attestation> attest(ByteView nonce);

  BatcherStats stats() const;
  const BatcherConfig& config() const { return config_; }

 private:
  struct Batch;
  void run(Batch& batch);

  BatcherConfig config_;
  crypto::PublicKey tls_key_;
  AttestBatchFn attest_batch_;
  ClockFn clock_;
  mutable std::mutex mu_;
  std::shared_ptr<Batch> open_;  // the batch accepting nonces, if any
  BatcherStats stats_;
};

}  // namespace attestd::agent
