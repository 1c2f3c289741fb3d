// The test programs' main: doctest's, plus one rule. ctest runs each test
// case by name (--test-case=<name>); a name that matches nothing would
// "pass" having run nothing, so a run that selected no test case fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <csignal>
#include <cstdio>

namespace {

unsigned selected_test_cases = 0;

struct CountingListener : doctest::IReporter {
  explicit CountingListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    selected_test_cases = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("selected-test-cases", 1, CountingListener);

int main(int argc, char** argv) {
  // A test that writes to a child that has ended gets EPIPE, not death.
  std::signal(SIGPIPE, SIG_IGN);
  doctest::Context context(argc, argv);
  const int status = context.run();
  if (context.shouldExit()) return status;  // --list-test-cases, --help, ...
  if (status == 0 && selected_test_cases == 0) {
    std::fputs("no test case matched the filters: nothing was tested\n", stderr);
    return 1;
  }
  return status;
}
