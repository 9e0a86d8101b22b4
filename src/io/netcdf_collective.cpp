// The PnetCDF return-code check and the agreement of all ranks on a failure, so that an
// error on one rank makes every rank throw instead of leaving the others in a collective call.
// MPI calls here rely on MPI's default error handler (MPI_ERRORS_ARE_FATAL).

#include <pnetcdf.h>

#include <exception>

#include "netcdf_internal.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid::netcdf {

void check_nc(int status, const std::string& what) {
  if (status != NC_NOERR) throw Error(what + ": " + ncmpi_strerror(status));
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
  swathgrid::broadcast_string(failure, first_failed, comm);
  const std::string where = size > 1 ? "rank " + std::to_string(first_failed) + ": " : "";
  throw Error("cannot write " + path + ": " + where + failure);
}

}  // namespace swathgrid::netcdf
