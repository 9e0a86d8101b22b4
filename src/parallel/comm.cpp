#include "swathgrid/comm.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

MPI_Comm failure_comm = MPI_COMM_NULL;
constexpr int kFailurePollMs = 10;

}  // namespace

void set_failure_comm(MPI_Comm comm) { failure_comm = comm; }

void fail_together(int code, const std::string& message) {
  int size = 1, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (size == 1 || failure_comm == MPI_COMM_NULL) return;
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibarrier(failure_comm, &request);
  const double deadline = MPI_Wtime() + kFailureGraceSeconds;
  int done = 0;
  while (!done && MPI_Wtime() < deadline) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(kFailurePollMs));
  }
  if (done) return;
  std::fprintf(stderr, "swathgrid: rank %d: %s (ending all ranks)\n", rank, message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
}

int rank_of(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

std::vector<std::string> allgather_strings(const std::string& local, MPI_Comm comm) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  int length = static_cast<int>(local.size());
  std::vector<int> lengths(static_cast<std::size_t>(size));
  MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, comm);
  std::vector<int> offsets(static_cast<std::size_t>(size), 0);
  for (int r = 1; r < size; ++r) offsets[r] = offsets[r - 1] + lengths[r - 1];
  std::string all(static_cast<std::size_t>(offsets.back() + lengths.back()), '\0');
  MPI_Allgatherv(local.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(),
                 MPI_CHAR, comm);
  std::vector<std::string> strings;
  for (int r = 0; r < size; ++r) strings.push_back(all.substr(offsets[r], lengths[r]));
  return strings;
}

void agree_on_error(const std::string& local_error, MPI_Comm comm) {
  int local_failed = local_error.empty() ? 0 : 1, any_failed = 0;
  MPI_Allreduce(&local_failed, &any_failed, 1, MPI_INT, MPI_MAX, comm);
  if (!any_failed) return;
  std::string message;
  const auto errors = allgather_strings(local_error, comm);
  for (std::size_t rank = 0; rank < errors.size(); ++rank) {
    if (errors[rank].empty()) continue;
    if (!message.empty()) message += "\n";
    if (errors.size() > 1) message += "rank " + std::to_string(rank) + ": ";
    message += errors[rank];
  }
  throw Error(message);
}

void broadcast_string(std::string& text, int root, MPI_Comm comm) {
  std::uint64_t length = text.size();
  MPI_Bcast(&length, 1, MPI_UINT64_T, root, comm);
  text.resize(length);
  MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, root, comm);
}

std::int64_t allreduce_sum(std::int64_t value, MPI_Comm comm) {
  std::int64_t total = 0;
  MPI_Allreduce(&value, &total, 1, MPI_INT64_T, MPI_SUM, comm);
  return total;
}

double allreduce_max(double value, MPI_Comm comm) {
  double result = 0.0;
  MPI_Allreduce(&value, &result, 1, MPI_DOUBLE, MPI_MAX, comm);
  return result;
}

std::vector<double> allgather(double value, MPI_Comm comm) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  std::vector<double> values(static_cast<std::size_t>(size));
  MPI_Allgather(&value, 1, MPI_DOUBLE, values.data(), 1, MPI_DOUBLE, comm);
  return values;
}

std::vector<std::int64_t> allgather(std::int64_t value, MPI_Comm comm) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  std::vector<std::int64_t> values(static_cast<std::size_t>(size));
  MPI_Allgather(&value, 1, MPI_INT64_T, values.data(), 1, MPI_INT64_T, comm);
  return values;
}

}  // namespace swathgrid
