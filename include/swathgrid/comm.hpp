#pragma once
// The small communication layer: every MPI call of the composite goes through here.

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace swathgrid {

/// Collective: when any rank passes a non-empty `local_error`, every rank throws
/// swathgrid::Error carrying the messages of all failed ranks (in rank order, one per line).
void agree_on_error(const std::string& local_error, MPI_Comm comm);

/// Collective: every rank's `local` string, in rank order, on every rank.
std::vector<std::string> allgather_strings(const std::string& local, MPI_Comm comm);

/// Collective: `text` of rank `root` on every rank.
void broadcast_string(std::string& text, int root, MPI_Comm comm);

std::int64_t allreduce_sum(std::int64_t value, MPI_Comm comm);
double allreduce_max(double value, MPI_Comm comm);
/// Collective: every rank's `value`, in rank order.
std::vector<double> allgather(double value, MPI_Comm comm);
std::vector<std::int64_t> allgather(std::int64_t value, MPI_Comm comm);

}  // namespace swathgrid
