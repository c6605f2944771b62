#include "agent/batcher.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <vector>

#include "agent/runtime_data.h"

namespace attestd::agent {

using Clock = std::chrono::steady_clock;

// One batch. `nonces` and `done` are guarded by the batcher's mutex; the leader writes
// `tree`, `runtime` and `token` after closing the batch and before setting `done`, and
// nobody else reads them before seeing `done`.
struct FreshnessBatcher::Batch {
  std::vector<Bytes> nonces;
  bool done = false;
  bool holds_source = false;   // adaptive: from its close until its work returned
  std::condition_variable cv;  // "done", for the followers
  std::optional<crypto::MerkleTree> tree;
  std::string runtime;
  std::optional<Result<BatchAttestation>> token;
};

std::optional<BatchClose> parse_batch_close(std::string_view name) {
  if (name == "timer") return BatchClose::Timer;
  if (name == "adaptive") return BatchClose::Adaptive;
  return std::nullopt;
}

std::string_view batch_close_name(BatchClose close) { return close == BatchClose::Timer ? "timer" : "adaptive"; }

FreshnessBatcher::FreshnessBatcher(BatcherConfig config, crypto::PublicKey tls_key, AttestBatchFn attest_batch,
                                   ClockFn clock)
    : config_(config), tls_key_(std::move(tls_key)), attest_batch_(std::move(attest_batch)), clock_(std::move(clock)) {
  if (config_.max_batch == 0) config_.max_batch = 1;
  if (config_.max_batch > crypto::kMerkleMaxLeaves) config_.max_batch = crypto::kMerkleMaxLeaves;
  if (config_.window_ms < 0) config_.window_ms = 0;
}

FreshnessBatcher::~FreshnessBatcher() = default;

Result<FreshnessBatcher::Attestation> FreshnessBatcher::attest(ByteView nonce) {
  if (nonce.size() < kMinNonceBytes || nonce.size() > kMaxNonceBytes) {
    return Error(ErrorCode::MalformedInput, "the nonce has " + std::to_string(nonce.size()) + " bytes; it must have " +
                                                std::to_string(kMinNonceBytes) + " to " +
                                                std::to_string(kMaxNonceBytes));
  }
  std::unique_lock<std::mutex> lock(mu_);
  bool leader = false;
  if (!open_) {
    open_ = std::make_shared<Batch>();
    leader = true;
  }
  std::shared_ptr<Batch> batch = open_;
  const std::size_t index = batch->nonces.size();
  batch->nonces.push_back(to_bytes(nonce));
  ++stats_.nonces;
  if (batch->nonces.size() >= config_.max_batch) {
    open_.reset();  // full: the next caller leads a new batch
    leaders_.notify_all();
  }

  if (leader) {
    close(batch, lock);
    ++stats_.batches;
    if (batch->nonces.size() > stats_.largest_batch) stats_.largest_batch = batch->nonces.size();
    lock.unlock();
    const auto started = Clock::now();
    run(*batch);  // closed: its nonces no longer change
    const auto took = Clock::now() - started;
    lock.lock();
    last_attest_ = took;
    if (batch->holds_source) {
      batch->holds_source = false;
      source_busy_ = false;
      leaders_.notify_all();
    }
    batch->done = true;
    if (!batch->token->ok()) ++stats_.failed_batches;
    batch->cv.notify_all();
  } else {
    const auto deadline = Clock::now() + std::chrono::milliseconds(config_.max_wait_ms);
    if (!batch->cv.wait_until(lock, deadline, [&] { return batch->done; })) {
      return Error(ErrorCode::MaaUnavailable,
                   "the attestation of this batch did not finish within " + std::to_string(config_.max_wait_ms) + " ms");
    }
  }
  lock.unlock();

  const Result<BatchAttestation>& outcome = *batch->token;
  if (!outcome.ok()) return outcome.error();
  return Attestation{outcome.value().token, outcome.value().tpm, batch->runtime, batch->tree->proof(index)};
}

void FreshnessBatcher::close(const std::shared_ptr<Batch>& batch, std::unique_lock<std::mutex>& lock) {
  const auto full = [&] { return batch->nonces.size() >= config_.max_batch; };
  // Not even a zero-length wait with a window of 0: waiting releases the lock, and a
  // caller slipping in would join this batch (one nonce per report is the point of 0).
  if (config_.window_ms == 0) {
    if (open_ == batch) open_.reset();
    return;
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(config_.window_ms);
  leaders_.wait_until(lock, deadline, full);
  if (config_.close == BatchClose::Timer) {
    if (open_ == batch) open_.reset();
    return;
  }
  // Adaptive: keep collecting while another batch holds the source; a full batch closes
  // at once and waits for the source closed. When the source frees, the callers of the
  // batch that held it are being answered: a grace lets those that attest again join this
  // batch instead of starting the one after it.
  bool waited = false;
  for (;;) {
    if (source_busy_) waited = true;
    leaders_.wait(lock, [&] { return full() || !source_busy_; });
    if (full() || !waited) break;
    // Answering them takes longer the more there are and the busier the machine: a
    // twentieth of the last attestation's time when that is longer than the window.
    leaders_.wait_for(lock, std::max<Clock::duration>(std::chrono::milliseconds(config_.window_ms), last_attest_ / 20),
                      full);
    waited = false;
  }
  if (open_ == batch) open_.reset();
  leaders_.wait(lock, [&] { return !source_busy_; });
  source_busy_ = true;
  batch->holds_source = true;
}

void FreshnessBatcher::run(Batch& batch) {
  batch.tree.emplace(batch.nonces);
  batch.runtime = runtime_json(tls_key_, batch.tree->root(), batch.nonces.size(), clock_());
  try {
    batch.token.emplace(attest_batch_(batch.runtime, report_data_for(batch.runtime)));
  } catch (const std::exception& e) {  // followers must never wait on a batch that died
    batch.token.emplace(Error(ErrorCode::Internal, std::string("the batch's attestation threw: ") + e.what()));
  }
}

BatcherStats FreshnessBatcher::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace attestd::agent
