#define BOOST_TEST_MODULE attestd
#define BOOST_TEST_DYN_LINK
#include <boost/test/results_collector.hpp>
#include <boost/test/tree/traverse.hpp>
#include <boost/test/tree/visitor.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>

namespace {

namespace ut = boost::unit_test;

// Counts the test cases of the run by outcome.
struct CaseCounter : ut::test_tree_visitor {
  int passed = 0, failed = 0, skipped = 0;
  void visit(const ut::test_case& tc) override {
    const ut::test_results& r = ut::results_collector.results(tc.p_id);
    if (r.p_skipped) ++skipped;
    else if (r.passed()) ++passed;
    else ++failed;
  }
};

// Prints "N passed, N failed, N skipped" when the module ends: a closing line that
// any CI reads, whatever the test framework.
struct ClosingLine : ut::test_observer {
  void test_finish() override {
    CaseCounter counter;
    ut::traverse_test_tree(ut::framework::master_test_suite(), counter, true);
    std::printf("%d passed, %d failed, %d skipped\n", counter.passed, counter.failed, counter.skipped);
    std::fflush(stdout);
  }
  int priority() override { return 1000; }  // after the results collector
};

// Global fixtures are torn down before test_finish is sent, so the observer outlives
// the fixture that registers it.
ClosingLine closing_line;
struct RegisterClosingLine {
  RegisterClosingLine() { ut::framework::register_observer(closing_line); }
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(RegisterClosingLine);
