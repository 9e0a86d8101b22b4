#pragma once
// Helpers shared by the tests: scratch directories.

#include <string>

namespace swathgrid::test {

/// Rank and size of MPI_COMM_WORLD.
int world_rank();
int world_size();

/// A fresh empty directory under the build tree's Testing/ (or $TMPDIR), removed at exit
/// of the object unless SWATHGRID_KEEP_TEST_FILES is set.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace swathgrid::test
