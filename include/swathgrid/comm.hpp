#pragma once
// The small communication layer: every MPI call of the composite goes through here.

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace swathgrid {

/// Collective: when any rank passes a non-empty `local_error`, every rank throws
/// swathgrid::Error carrying the messages of all failed ranks (in rank order, one per line,
/// each after "rank R: " when there are several ranks).
void agree_on_error(const std::string& local_error, MPI_Comm comm);

/// Collective: every rank's `local` string, in rank order, on every rank.
std::vector<std::string> allgather_strings(const std::string& local, MPI_Comm comm);

/// Collective: `text` of rank `root` on every rank.
void broadcast_string(std::string& text, int root, MPI_Comm comm);

/// This process's rank in `comm`.
int rank_of(MPI_Comm comm);

std::int64_t allreduce_sum(std::int64_t value, MPI_Comm comm);
double allreduce_max(double value, MPI_Comm comm);
/// Collective: every rank's `value`, in rank order.
std::vector<double> allgather(double value, MPI_Comm comm);
std::vector<std::int64_t> allgather(std::int64_t value, MPI_Comm comm);

/// Seconds a failing rank waits for the others (fail_together) before it ends the job.
inline constexpr double kFailureGraceSeconds = 10.0;

/// Called by Environment only: the duplicate of MPI_COMM_WORLD that fail_together uses (its
/// barriers must never meet the other collective calls of a run).
void set_failure_comm(MPI_Comm comm);

/// For a rank that is failing with the one-line `message`, where no agreement covered the
/// failure: when every rank arrives here within kFailureGraceSeconds (they all fail, as after
/// an agreed failure), returns so that they clean up together; otherwise this rank alone
/// fails while the others work or wait for it in a collective call: it prints
/// "swathgrid: rank R: <message> (ending all ranks)" and ends the job with MPI_Abort(code).
void fail_together(int code, const std::string& message);

}  // namespace swathgrid
