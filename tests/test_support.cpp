#include "test_support.hpp"

#include <mpi.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace swathgrid::test {

int world_rank() {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

int world_size() {
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

ScratchDir::ScratchDir(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  std::filesystem::path base = tmp ? tmp : "/tmp";
  path_ = (base / ("swathgrid-test-" + name + "-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  if (!std::getenv("SWATHGRID_KEEP_TEST_FILES")) {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
}

}  // namespace swathgrid::test
