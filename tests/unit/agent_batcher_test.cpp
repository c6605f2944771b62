// Batched freshness: concurrent nonces share one tree, one runtime document and one call.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <latch>
#include <map>
#include <optional>
#include <set>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/batcher.h"
#include "agent/runtime_data.h"
#include "crypto/sha.h"
#include "tests/support.h"

using namespace attestd;
using namespace attestd::agent;
using Attestation = FreshnessBatcher::Attestation;

namespace {

const crypto::PublicKey& tls_key() {
  static crypto::PublicKey key =
      crypto::PrivateKey::generate_ec_from_seed(crypto::EcCurve::P256, as_bytes("batcher-test"))->public_key();
  return key;
}

Bytes nonce(std::size_t i, std::size_t size = 32) {
  Bytes n = crypto::sha512(as_bytes("nonce " + std::to_string(i)));
  n.resize(size);
  return n;
}

// Records every batch call; answers "token-N" (or fails, when told to).
struct FakeMaa {
  std::mutex mu;
  std::vector<std::string> runtimes;
  std::vector<hal::ReportData> report_data;
  std::optional<Error> fail;
  int delay_ms = 0;

  AttestBatchFn fn() {
    return [this](const std::string& runtime, const hal::ReportData& data) -> Result<BatchAttestation> {
      if (delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      std::lock_guard<std::mutex> lock(mu);
      runtimes.push_back(runtime);
      report_data.push_back(data);
      if (fail) return *fail;
      return BatchAttestation{"token-" + std::to_string(runtimes.size()), nullptr};
    };
  }
  std::size_t calls() {
    std::lock_guard<std::mutex> lock(mu);
    return runtimes.size();
  }
};

BatcherConfig config(int window_ms, std::size_t max_batch = 1024) {
  BatcherConfig c;
  c.window_ms = window_ms;
  c.max_batch = max_batch;
  return c;
}

// `n` callers released together; their results in caller order.
std::vector<Result<Attestation>> attest_concurrently(FreshnessBatcher& batcher, std::size_t n) {
  std::vector<std::optional<Result<Attestation>>> out(n);
  std::latch start(static_cast<std::ptrdiff_t>(n));
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      Bytes mine = nonce(i);
      start.arrive_and_wait();
      out[i].emplace(batcher.attest(mine));
    });
  }
  for (auto& t : threads) t.join();
  std::vector<Result<Attestation>> results;
  for (auto& r : out) results.push_back(std::move(*r));
  return results;
}


// A controllable evidence source: each batch's work records its runtime on entering, then
// waits until the test lets it finish (its report and MAA call). Works are numbered in the
// order they entered.
struct GatedSource {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> runtimes;
  std::size_t allowed = 0;

  AttestBatchFn fn() {
    return [this](const std::string& runtime, const hal::ReportData&) -> Result<BatchAttestation> {
      std::unique_lock<std::mutex> lock(mu);
      const std::size_t me = runtimes.size();
      runtimes.push_back(runtime);
      cv.notify_all();
      cv.wait(lock, [&] { return allowed > me; });
      return BatchAttestation{"token-" + std::to_string(me + 1), nullptr};
    };
  }
  std::size_t entered() {
    std::lock_guard<std::mutex> lock(mu);
    return runtimes.size();
  }
  // Waits (a liveness bound, not a timing assertion) until `n` works have entered.
  bool wait_entered(std::size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return runtimes.size() >= n; });
  }
  // Lets the first `n` works finish.
  void allow(std::size_t n) {
    std::lock_guard<std::mutex> lock(mu);
    allowed = n;
    cv.notify_all();
  }
  void allow_all() { allow(1u << 20); }
};

// Waits (a liveness bound) until the batcher has accepted `n` nonces.
bool wait_nonces(const FreshnessBatcher& batcher, std::uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (batcher.stats().nonces < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

BatcherConfig closing(BatchClose close, int window_ms, std::size_t max_batch = 1024) {
  BatcherConfig c = config(window_ms, max_batch);
  c.close = close;
  return c;
}

// Each caller's own nonce is in its runtime's tree, and in no other batch's.
void check_bound(const Attestation& a, const Bytes& mine, std::size_t count) {
  auto rt = parse_runtime(a.runtime);
  BOOST_REQUIRE(rt.ok());
  BOOST_TEST(rt->count == count);
  BOOST_TEST(crypto::merkle_verify(mine, a.proof, rt->merkle_root));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agent_batcher)

BOOST_AUTO_TEST_CASE(a_lone_nonce_is_a_tree_of_one_whose_root_is_its_leaf_hash) {
  FakeMaa maa;
  FreshnessBatcher batcher(config(0), tls_key(), maa.fn(), [] { return UnixTime{1750000000}; });
  Bytes n = nonce(1);
  auto a = batcher.attest(n);
  BOOST_REQUIRE_MESSAGE(a.ok(), test::why(a));
  BOOST_TEST(a->token == "token-1");
  BOOST_TEST(a->runtime == runtime_json(tls_key(), crypto::merkle_leaf_hash(n), 1, 1750000000));
  BOOST_TEST((maa.report_data.at(0) == report_data_for(a->runtime)));
  BOOST_TEST(a->proof.count == 1u);
  BOOST_TEST(a->proof.path.empty());
  auto rt = parse_runtime(a->runtime);
  BOOST_REQUIRE(rt.ok());
  BOOST_TEST(crypto::merkle_verify(n, a->proof, rt->merkle_root));
}

BOOST_AUTO_TEST_CASE(window_zero_makes_one_call_per_request) {
  FakeMaa maa;
  FreshnessBatcher batcher(config(0), tls_key(), maa.fn());
  auto results = attest_concurrently(batcher, 20);
  for (const auto& r : results) {
    BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
    BOOST_TEST(r->proof.count == 1u);
  }
  BOOST_TEST(maa.calls() == 20u);
  BOOST_TEST(batcher.stats().batches == 20u);
  BOOST_TEST(batcher.stats().nonces == 20u);
  BOOST_TEST(batcher.stats().largest_batch == 1u);
}

BOOST_AUTO_TEST_CASE(a_hundred_concurrent_callers_share_one_call_and_every_proof_verifies) {
  FakeMaa maa;
  // 200 ms: the callers are released together; the margin is for a loaded test machine.
  FreshnessBatcher batcher(config(200), tls_key(), maa.fn());
  auto results = attest_concurrently(batcher, 100);
  BOOST_TEST(maa.calls() == 1u);
  BOOST_TEST(batcher.stats().batches == 1u);
  BOOST_TEST(batcher.stats().nonces == 100u);
  BOOST_TEST(batcher.stats().largest_batch == 100u);
  std::set<std::size_t> indices;
  for (std::size_t i = 0; i < results.size(); ++i) {
    BOOST_REQUIRE_MESSAGE(results[i].ok(), test::why(results[i]));
    const Attestation& a = *results[i];
    BOOST_TEST(a.token == "token-1");
    BOOST_TEST(a.runtime == maa.runtimes.at(0));
    auto rt = parse_runtime(a.runtime);
    BOOST_REQUIRE(rt.ok());
    BOOST_TEST(rt->count == 100u);
    BOOST_TEST(a.proof.count == rt->count);
    BOOST_TEST(crypto::merkle_verify(nonce(i), a.proof, rt->merkle_root), "caller " << i);
    BOOST_TEST(!crypto::merkle_verify(nonce(i + 100), a.proof, rt->merkle_root));
    indices.insert(a.proof.index);
  }
  BOOST_TEST(indices.size() == 100u);
}

BOOST_AUTO_TEST_CASE(a_full_batch_closes_early_and_the_overflow_starts_the_next) {
  FakeMaa maa;
  FreshnessBatcher batcher(config(300, 10), tls_key(), maa.fn());
  auto results = attest_concurrently(batcher, 25);
  BOOST_TEST(maa.calls() == 3u);
  std::map<std::string, std::size_t> per_token;
  for (const auto& r : results) {
    BOOST_REQUIRE_MESSAGE(r.ok(), test::why(r));
    ++per_token[r->token];
    BOOST_TEST(r->proof.count <= 10u);
  }
  std::multiset<std::size_t> sizes;
  for (const auto& [token, n] : per_token) sizes.insert(n);
  BOOST_TEST((sizes == std::multiset<std::size_t>{5, 10, 10}));
  BOOST_TEST(batcher.stats().largest_batch == 10u);
}

BOOST_AUTO_TEST_CASE(a_full_batch_does_not_wait_for_its_window) {
  FakeMaa maa;
  FreshnessBatcher batcher(config(10000, 8), tls_key(), maa.fn());
  auto started = std::chrono::steady_clock::now();
  auto results = attest_concurrently(batcher, 8);
  auto took = std::chrono::steady_clock::now() - started;
  BOOST_TEST(maa.calls() == 1u);
  BOOST_TEST((took < std::chrono::seconds(5)));
  for (const auto& r : results) BOOST_TEST(r.ok());
}

BOOST_AUTO_TEST_CASE(an_error_of_the_batch_reaches_every_caller_in_it) {
  FakeMaa maa;
  maa.fail = Error(ErrorCode::MaaUnavailable, "MAA answered 503 ServiceUnavailable");
  FreshnessBatcher batcher(config(200), tls_key(), maa.fn());
  auto results = attest_concurrently(batcher, 30);
  BOOST_TEST(maa.calls() == 1u);
  for (const auto& r : results) {
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code() == ErrorCode::MaaUnavailable));
    BOOST_TEST(r.error().message() == "MAA answered 503 ServiceUnavailable");
  }
  BOOST_TEST(batcher.stats().failed_batches == 1u);
  maa.fail.reset();  // the next batch starts afresh
  BOOST_TEST(batcher.attest(nonce(99)).ok());
}

BOOST_AUTO_TEST_CASE(callers_arriving_while_a_batch_runs_form_the_next_batch) {
  FakeMaa maa;
  maa.delay_ms = 300;
  FreshnessBatcher batcher(config(0), tls_key(), maa.fn());
  std::thread first([&] { BOOST_TEST(batcher.attest(nonce(1)).ok()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto second = batcher.attest(nonce(2));
  first.join();
  BOOST_REQUIRE(second.ok());
  BOOST_TEST(second->proof.count == 1u);
  BOOST_TEST(maa.calls() == 2u);
}

BOOST_AUTO_TEST_CASE(a_follower_gives_up_after_max_wait) {
  FakeMaa maa;
  maa.delay_ms = 1500;
  BatcherConfig c = config(100);
  c.max_wait_ms = 200;
  FreshnessBatcher batcher(c, tls_key(), maa.fn());
  auto results = attest_concurrently(batcher, 5);
  int leaders_ok = 0, gave_up = 0;
  for (const auto& r : results) {
    if (r.ok()) ++leaders_ok;
    else if (r.error().code() == ErrorCode::MaaUnavailable) ++gave_up;
  }
  BOOST_TEST(leaders_ok == 1);
  BOOST_TEST(gave_up == 4);
}

BOOST_AUTO_TEST_CASE(nonces_of_15_or_65_bytes_are_refused) {
  FakeMaa maa;
  FreshnessBatcher batcher(config(0), tls_key(), maa.fn());
  for (std::size_t size : {0, 15, 65, 1000}) {
    auto r = batcher.attest(nonce(1, size));
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code() == ErrorCode::MalformedInput));
    BOOST_TEST(r.error().message().find(std::to_string(size) + " bytes") != std::string::npos);
  }
  BOOST_TEST(maa.calls() == 0u);
  BOOST_TEST(batcher.attest(nonce(1, 16)).ok());
  BOOST_TEST(batcher.attest(nonce(1, 64)).ok());
}


BOOST_AUTO_TEST_CASE(adaptively_nonces_arriving_while_a_batch_is_attested_wait_and_form_the_next_batch) {
  GatedSource source;
  FreshnessBatcher batcher(closing(BatchClose::Adaptive, 1), tls_key(), source.fn());
  std::optional<Result<Attestation>> a, b, c;
  std::thread first([&] { a.emplace(batcher.attest(nonce(1))); });
  BOOST_REQUIRE(source.wait_entered(1));  // batch 1 closed and is being attested
  std::thread second([&] { b.emplace(batcher.attest(nonce(2))); });
  std::thread third([&] { c.emplace(batcher.attest(nonce(3))); });
  BOOST_REQUIRE(wait_nonces(batcher, 3));
  BOOST_TEST(source.entered() == 1u);  // batch 2 keeps collecting: the source is busy
  source.allow(1);                     // batch 1 has its answer
  BOOST_REQUIRE(source.wait_entered(2));
  source.allow_all();
  first.join();
  second.join();
  third.join();
  BOOST_REQUIRE_MESSAGE(a->ok(), test::why(*a));
  BOOST_REQUIRE_MESSAGE(b->ok(), test::why(*b));
  BOOST_REQUIRE_MESSAGE(c->ok(), test::why(*c));
  check_bound(**a, nonce(1), 1);
  check_bound(**b, nonce(2), 2);
  check_bound(**c, nonce(3), 2);
  BOOST_TEST((*a)->runtime == source.runtimes.at(0));
  BOOST_TEST((*b)->runtime == source.runtimes.at(1));
  BOOST_TEST((*c)->runtime == source.runtimes.at(1));
  BOOST_TEST((*b)->token == "token-2");
  auto first_root = parse_runtime((*a)->runtime)->merkle_root;
  BOOST_TEST(!crypto::merkle_verify(nonce(2), (*b)->proof, first_root));  // never bound by batch 1's report
  BOOST_TEST(batcher.stats().batches == 2u);
  BOOST_TEST(batcher.stats().largest_batch == 2u);
}

BOOST_AUTO_TEST_CASE(on_a_timer_a_batch_closes_while_the_previous_one_still_holds_the_source) {
  GatedSource source;
  FreshnessBatcher batcher(closing(BatchClose::Timer, 1), tls_key(), source.fn());
  std::optional<Result<Attestation>> a, b;
  std::thread first([&] { a.emplace(batcher.attest(nonce(1))); });
  BOOST_REQUIRE(source.wait_entered(1));  // batch 1 holds the source
  std::thread second([&] { b.emplace(batcher.attest(nonce(2))); });
  BOOST_TEST(source.wait_entered(2));  // the timer closed batch 2 anyway: it queues for the source
  source.allow_all();
  first.join();
  second.join();
  BOOST_REQUIRE(a->ok());
  BOOST_REQUIRE(b->ok());
  check_bound(**a, nonce(1), 1);
  check_bound(**b, nonce(2), 1);
  BOOST_TEST((batcher.config().close == BatchClose::Timer));
}

BOOST_AUTO_TEST_CASE(adaptively_a_full_batch_closes_at_once_and_waits_for_the_source) {
  GatedSource source;
  FreshnessBatcher batcher(closing(BatchClose::Adaptive, 1, 2), tls_key(), source.fn());
  std::vector<std::optional<Result<Attestation>>> out(4);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { out[0].emplace(batcher.attest(nonce(0))); });
  BOOST_REQUIRE(source.wait_entered(1));
  for (std::size_t i = 1; i <= 2; ++i) threads.emplace_back([&, i] { out[i].emplace(batcher.attest(nonce(i))); });
  BOOST_REQUIRE(wait_nonces(batcher, 3));  // batch 2 is full, hence closed
  threads.emplace_back([&] { out[3].emplace(batcher.attest(nonce(3))); });
  BOOST_REQUIRE(wait_nonces(batcher, 4));
  BOOST_TEST(source.entered() == 1u);  // closed, but not started: the source is busy
  source.allow_all();
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < out.size(); ++i) BOOST_REQUIRE_MESSAGE(out[i]->ok(), test::why(*out[i]));
  check_bound(**out[0], nonce(0), 1);
  check_bound(**out[1], nonce(1), 2);
  check_bound(**out[2], nonce(2), 2);
  check_bound(**out[3], nonce(3), 1);  // the next caller started a batch of its own
  BOOST_TEST((*out[1])->runtime == (*out[2])->runtime);
  BOOST_TEST(source.entered() == 3u);
}

BOOST_AUTO_TEST_CASE(batch_close_names_are_timer_and_adaptive) {
  BOOST_TEST((parse_batch_close("timer") == BatchClose::Timer));
  BOOST_TEST((parse_batch_close("adaptive") == BatchClose::Adaptive));
  BOOST_TEST(!parse_batch_close("fixed").has_value());
  BOOST_TEST(batch_close_name(BatchClose::Timer) == "timer");
  BOOST_TEST(batch_close_name(BatchClose::Adaptive) == "adaptive");
  BOOST_TEST((BatcherConfig{}.close == BatchClose::Adaptive));
}

BOOST_AUTO_TEST_SUITE_END()
