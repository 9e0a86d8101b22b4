// GoogleTest main for the kernels alone (CMakeLists.txt beside): Kokkos without MPI.
#include <gtest/gtest.h>

#include <Kokkos_Core.hpp>
#include <iostream>

int main(int argc, char** argv) {
  Kokkos::initialize(argc, argv);
  int code = 0;
  {
    ::testing::InitGoogleTest(&argc, argv);
    std::cout << "Kokkos " << KOKKOS_VERSION / 10000 << "." << KOKKOS_VERSION / 100 % 100 << "."
              << KOKKOS_VERSION % 100 << ", default execution space "
              << Kokkos::DefaultExecutionSpace::name() << "\n";
    code = RUN_ALL_TESTS();
  }
  Kokkos::finalize();
  return code;
}
