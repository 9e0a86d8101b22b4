// GoogleTest main for every test: MPI_Init -> Kokkos::initialize -> tests -> finalize in
// reverse (swathgrid::Environment does both). A run in which a test was skipped (GTEST_SKIP)
// and none failed exits 77, which ctest reports as Skipped (SKIP_RETURN_CODE), never Passed.
#include <gtest/gtest.h>

#include "swathgrid/environment.hpp"

namespace {
constexpr int kSkippedExitCode = 77;
}

int main(int argc, char** argv) {
  swathgrid::Environment env(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  if (failed == 0 && ::testing::UnitTest::GetInstance()->skipped_test_count() > 0)
    return kSkippedExitCode;
  return failed;
}
