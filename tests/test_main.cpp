// GoogleTest main for every test: MPI_Init -> Kokkos::initialize -> tests -> finalize in
// reverse (swathgrid::Environment does both).
#include <gtest/gtest.h>

#include "swathgrid/environment.hpp"

int main(int argc, char** argv) {
  swathgrid::Environment env(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
