// The PnetCDF return-code check and the agreement of all ranks on a failure, so that an
// error on one rank makes every rank throw instead of leaving the others in a collective call.
// MPI calls here rely on MPI's default error handler (MPI_ERRORS_ARE_FATAL).

#include <pnetcdf.h>

#include <exception>

#include "netcdf_internal.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid::netcdf {

void check_nc(int status, const std::string& what) {
  if (status != NC_NOERR) throw Error(what + ": " + ncmpi_strerror(status));
}

void broadcast_string(MPI_Comm comm, std::string& text, int root) {
  unsigned long long length = text.size();
  MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, comm);
  text.resize(static_cast<std::size_t>(length));
  if (length > 0) MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, root, comm);
}

void agree_on(MPI_Comm comm, const std::string& path, const std::function<void()>& step) {
  std::string failure;
  try {
    step();
  } catch (const std::exception& error) {
    failure = error.what();
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
  broadcast_string(comm, failure, first_failed);
  throw Error("cannot write " + path + ": " + failure);
}

}  // namespace swathgrid::netcdf
