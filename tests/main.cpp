#define BOOST_TEST_MODULE attestd
#define BOOST_TEST_DYN_LINK
#include <boost/test/results_collector.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>

namespace {

namespace ut = boost::unit_test;

// Prints "N passed, N failed, N skipped" when the module ends: a closing line that
// any CI reads, whatever the test framework.
struct ClosingLine : ut::test_observer {
  void test_finish() override {
    const ut::test_results& r = ut::results_collector.results(ut::framework::master_test_suite().p_id);
    unsigned long failed = r.p_test_cases_failed + r.p_test_cases_aborted;
    std::printf("%lu passed, %lu failed, %lu skipped\n", static_cast<unsigned long>(r.p_test_cases_passed), failed,
                static_cast<unsigned long>(r.p_test_cases_skipped));
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
