#pragma once
// Outputs that appear together, complete, or not at all (docs/reliability.md). Every file a run
// publishes (the netCDF file, --geotiff, --quicklook, --report) is created by rank 0 under a
// hidden temporary name in its own directory before any granule is read, which proves early
// that the directory exists and is writable; the writers fill those files, and publish()
// renames them to the user's paths only once every one is complete and synced. A failure
// anywhere leaves the files at the user's paths as they were.

#include <mpi.h>

#include <string>
#include <utility>
#include <vector>

namespace swathgrid {

/// Flushes `path` to stable storage (open, fsync, close), so that a late write error (a full
/// disk or quota on a network file system, EIO) is seen now; throws swathgrid::Error
/// "<label>: <OS cause>".
void sync_file(const std::string& path, const std::string& label);

/// Flushes a directory after a rename in it. File systems that cannot (EINVAL) are let be.
void sync_directory(const std::string& directory, const std::string& label);

/// Reserves `bytes` of disk for the open file `fd` without changing its size, so that a file
/// system without room says so before anything is written; throws swathgrid::Error
/// "<label>: <OS cause>" (ENOSPC, EDQUOT). File systems without fallocate are let be.
void reserve_disk_space(int fd, long long bytes, const std::string& label);

/// Collective: a hidden temporary name for `path` in the same directory, chosen on rank 0:
/// ".<name>.partial-<host>-<pid>-<clock>" (a ':' of the name as '_', which MPI-IO would read
/// as a file-system prefix).
std::string make_staged_name(const std::string& path, MPI_Comm comm);

/// Removes ".<name>.partial-*" files that earlier runs writing `path` left behind (killed by
/// SIGKILL, a node failure): those of processes on this host that no longer exist, and, when
/// `all_hosts`, those of any host (used with --checkpoint, whose directory belongs to one
/// run). Returns how many it removed.
int remove_leftovers(const std::string& path, bool all_hosts);

/// The outputs of one run, staged on rank 0.
class StagedOutputs {
 public:
  /// Collective. Rank 0 removes leftovers of earlier runs (remove_leftovers) and creates the
  /// staged file of each path, with a one-line error naming the user's path and the OS cause
  /// when it cannot ("--report /x/r.json: cannot create a file in /x: No such file or
  /// directory"). Every rank throws swathgrid::Error together. `outputs`: (label, path).
  StagedOutputs(const std::vector<std::pair<std::string, std::string>>& outputs,
                bool leftovers_of_all_hosts, MPI_Comm comm);
  /// Rank 0 removes the staged files unless published.
  ~StagedOutputs();
  StagedOutputs(const StagedOutputs&) = delete;
  StagedOutputs& operator=(const StagedOutputs&) = delete;

  /// The staged file of `path` (one of the constructor's paths).
  const std::string& staged(const std::string& path) const;

  /// Collective: rank 0 syncs every staged file, renames each to its path (the first given
  /// last, so the main output appears only after its companions) and syncs the directories.
  void publish();

 private:
  struct Output {
    std::string label, path, staged;
  };
  std::vector<Output> outputs_;
  MPI_Comm comm_;
  bool root_ = false;
  bool published_ = false;
};

}  // namespace swathgrid
