// Batched freshness (docs/freshness.md): the nonces of concurrent clients that arrive
// within a window share one Merkle tree, one runtime document, one hardware report and one
// MAA call; each client gets the token, the runtime data and its own inclusion proof.
//
// Leader/follower: the first caller of a batch leads it. It waits until the batch may
// close, closes it (later callers start the next one), runs the injected batch work
// without holding the lock and publishes the outcome; followers sleep on the batch's
// condition variable until then. A window of 0 closes every batch at once: one nonce per
// report (per-connection attestation).
//
// When a batch closes (BatchClose): on a fixed timer, when its window has passed; or,
// adaptively (the default), when its window has passed AND the evidence source is free,
// that is, no earlier batch is still being attested: while one batch is attested the next
// one keeps collecting, so a slow source makes bigger batches instead of a queue of small
// ones. When the source frees, the batch that held it is answering its callers; the
// collecting batch stays open a little longer (one window, or a twentieth of the last
// batch's attestation when that is longer) so that those attesting again join it (else
// closed-loop clients split into two batches that alternate, each waiting for two
// reports). The source counts as busy until MAA has answered too: releasing it after the
// report, so that the next report overlaps this batch's MAA call, measured worse
// (docs/performance.md). A full batch closes at once either way; adaptively, it then waits
// for the source. A nonce only ever joins the open batch, and a batch's tree is built after
// it closed: a nonce that arrives while a batch is in flight goes into the next one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/error.h"
#include "core/json.h"
#include "core/time.h"
#include "crypto/keys.h"
#include "crypto/merkle.h"
#include "hal/evidence.h"

namespace attestd::agent {

inline constexpr std::size_t kMinNonceBytes = 16, kMaxNonceBytes = 64;

enum class BatchClose {
  Timer,     // "timer": when the window has passed (batches may queue for the source)
  Adaptive,  // "adaptive": when the window has passed and the evidence source is free
};

// "timer" | "adaptive"; nullopt for another name.
std::optional<BatchClose> parse_batch_close(std::string_view name);
std::string_view batch_close_name(BatchClose close);

struct BatcherConfig {
  int window_ms = 5;              // how long a batch collects nonces at least; 0 = every request alone
  BatchClose close = BatchClose::Adaptive;
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
// thread; on a timer possibly concurrently for consecutive batches (the work serializes
// the source itself), adaptively one batch at a time.
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
  // Closes `batch` when the configuration says (see the top of this file) and takes the
  // source for it. Under `lock`.
  void close(const std::shared_ptr<Batch>& batch, std::unique_lock<std::mutex>& lock);
  void run(Batch& batch);

  BatcherConfig config_;
  crypto::PublicKey tls_key_;
  AttestBatchFn attest_batch_;
  ClockFn clock_;
  mutable std::mutex mu_;
  std::condition_variable leaders_;  // a batch became full, or the source became free
  std::shared_ptr<Batch> open_;      // the batch accepting nonces, if any
  bool source_busy_ = false;         // adaptive: a closed batch is being attested
  std::chrono::steady_clock::duration last_attest_{};  // how long the last batch's work took
  BatcherStats stats_;
};

}  // namespace attestd::agent
