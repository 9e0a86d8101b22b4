// The PnetCDF return-code check and the agreement of all ranks on a failure, so that an
// error on one rank makes every rank throw instead of leaving the others in a collective call.
// MPI calls here rely on MPI_COMM_WORLD's error handler (environment.cpp: one line, abort).

#include <pnetcdf.h>
#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>

#include "netcdf_internal.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid::netcdf {

namespace {

/// PnetCDF reports a failed MPI-IO write as "Unknown error occurs in writing file": when the
/// file system holding `path` has no free block left, say so in the OS's words.
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

void check_nc(int status, const std::string& what) {
  if (status != NC_NOERR) throw Error(what + ": " + ncmpi_strerror(status));
}

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
  MPI_Allreduce(&candidate, &first_failed, 1, MPI_INT, MPI_MIN, comm);
  if (first_failed == no_failure) return;
  swathgrid::broadcast_string(failure, first_failed, comm);
  const std::string where = size > 1 ? "rank " + std::to_string(first_failed) + ": " : "";
  throw Error("cannot write " + path + ": " + where + failure);
}

}  // namespace swathgrid::netcdf
