// The agreement of all ranks on a failure, so that an error on one rank makes every rank
// throw instead of leaving the others in a collective call.
// MPI calls here rely on MPI_COMM_WORLD's error handler (environment.cpp: one line, abort).

#include <sys/statvfs.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <thread>

#include "output/netcdf_internal.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid::netcdf {

namespace {

/// A rank whose step failed waits at most this long for the others to agree: a library that
/// fails inside a collective call on one rank only (parallel HDF5 does, netCDF-C's bounds
/// checks do) leaves the others in that call for ever. Then this rank ends the job.
constexpr double kAgreementGraceSeconds = 60.0;
constexpr int kAgreementPollMs = 5;

/// Completes `request` (the agreement) or, past the grace (SWATHGRID_TEST_AGREEMENT_GRACE_S
/// shortens it for tests), prints "swathgrid: rank R: <message> (the other ranks did not
/// answer: ending all ranks)" and ends the job with MPI_Abort.
void wait_or_end_the_job(MPI_Request& request, const std::string& message) {
  double grace = kAgreementGraceSeconds;
  if (const char* text = std::getenv("SWATHGRID_TEST_AGREEMENT_GRACE_S")) grace = std::atof(text);
  const double deadline = MPI_Wtime() + grace;
  int done = 0;
  while (!done) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    if (MPI_Wtime() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(kAgreementPollMs));
  }
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::fprintf(stderr,
               "swathgrid: rank %d: %s (the other ranks did not answer: ending all ranks)\n", rank,
               message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, kExitFailure);
}

/// PnetCDF (and HDF5) report a failed MPI-IO write as "Unknown error occurs in writing file": when
/// the file system holding `path` has no free block left, say so in the OS's words.
std::string with_disk_cause(const std::string& failure, const std::string& path) {
  const std::string full = std::strerror(ENOSPC);
  if (failure.find(full) != std::string::npos) return failure;
  std::string directory = std::filesystem::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  struct statvfs disk {};
  if (::statvfs(directory.c_str(), &disk) == 0 && disk.f_bavail == 0)
    return failure + " (" + full + ")";
  return failure;
}

}  // namespace

void agree_on(MPI_Comm comm, const std::string& path, const std::function<void()>& step) {
  std::string failure;
  try {
    step();
  } catch (const std::exception& error) {
    failure = with_disk_cause(error.what(), path);
    if (failure.empty()) failure = "unknown error";
  }
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const int no_failure = size;  // larger than every rank
  const int candidate = failure.empty() ? no_failure : rank;
  int first_failed = no_failure;
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Iallreduce(&candidate, &first_failed, 1, MPI_INT, MPI_MIN, comm, &request);
  if (failure.empty())
    MPI_Wait(&request, MPI_STATUS_IGNORE);
  else
    wait_or_end_the_job(request, "error: cannot write " + path + ": " + failure);
  if (first_failed == no_failure) return;
  swathgrid::broadcast_string(failure, first_failed, comm);
  const std::string where = size > 1 ? "rank " + std::to_string(first_failed) + ": " : "";
  throw Error("cannot write " + path + ": " + where + failure);
}

}  // namespace swathgrid::netcdf
