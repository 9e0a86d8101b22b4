// Per-rank MPI counters through the profiling interface (MPI standard, chapter "Profiling
// Interface"): each wrapper below counts, then calls the PMPI_ entry point. Defined in the
// program, they take the place of the MPI library's MPI_ symbols for every library of the
// process (PnetCDF, ROMIO), so the counts include the writer's own collectives. Bytes are the
// payloads the arguments state (count x type size): for an all-to-all, the sum over
// destinations; for a gather, what this rank receives from all; a broadcast sends from the
// root to every other rank.

#include "swathgrid/mpi_traffic.hpp"

#include <mpi.h>

#include <atomic>

namespace swathgrid {

namespace {

std::atomic<std::int64_t> collectives{0}, messages{0}, bytes_sent{0}, bytes_received{0},
    io_collectives{0}, io_bytes{0};

std::int64_t bytes_of(std::int64_t count, MPI_Datatype type) {
  int size = 0;
  PMPI_Type_size(type, &size);
  return count * size;
}

int ranks_in(MPI_Comm comm) {
  int size = 1;
  PMPI_Comm_size(comm, &size);
  return size;
}

std::int64_t sum(const int counts[], int n) {
  std::int64_t total = 0;
  for (int i = 0; i < n; ++i) total += counts[i];
  return total;
}

void collective(std::int64_t sent, std::int64_t received) {
  collectives.fetch_add(1, std::memory_order_relaxed);
  bytes_sent.fetch_add(sent, std::memory_order_relaxed);
  bytes_received.fetch_add(received, std::memory_order_relaxed);
}

void message(std::int64_t sent, std::int64_t received) {
  messages.fetch_add(1, std::memory_order_relaxed);
  bytes_sent.fetch_add(sent, std::memory_order_relaxed);
  bytes_received.fetch_add(received, std::memory_order_relaxed);
}

void received_bytes(std::int64_t received) {
  bytes_received.fetch_add(received, std::memory_order_relaxed);
}

void file_collective(int count, MPI_Datatype type) {
  io_collectives.fetch_add(1, std::memory_order_relaxed);
  io_bytes.fetch_add(bytes_of(count, type), std::memory_order_relaxed);
}

}  // namespace

MpiTraffic mpi_traffic() {
  return MpiTraffic{collectives.load(),    messages.load(),       bytes_sent.load(),
                    bytes_received.load(), io_collectives.load(), io_bytes.load()};
}

}  // namespace swathgrid

using swathgrid::bytes_of;
using swathgrid::collective;
using swathgrid::file_collective;
using swathgrid::message;
using swathgrid::ranks_in;
using swathgrid::sum;

extern "C" {

int MPI_Barrier(MPI_Comm comm) {
  collective(0, 0);
  return PMPI_Barrier(comm);
}

int MPI_Ibarrier(MPI_Comm comm, MPI_Request* request) {
  collective(0, 0);
  return PMPI_Ibarrier(comm, request);
}

int MPI_Bcast(void* buffer, int count, MPI_Datatype type, int root, MPI_Comm comm) {
  int rank = 0;
  PMPI_Comm_rank(comm, &rank);
  const std::int64_t bytes = bytes_of(count, type);
  if (rank == root)
    collective(bytes * (ranks_in(comm) - 1), 0);
  else
    collective(0, bytes);
  return PMPI_Bcast(buffer, count, type, root, comm);
}

int MPI_Allreduce(const void* send, void* receive, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm) {
  const std::int64_t bytes = bytes_of(count, type);
  collective(bytes, bytes);
  return PMPI_Allreduce(send, receive, count, type, op, comm);
}

int MPI_Iallreduce(const void* send, void* receive, int count, MPI_Datatype type, MPI_Op op,
                   MPI_Comm comm, MPI_Request* request) {
  const std::int64_t bytes = bytes_of(count, type);
  collective(bytes, bytes);
  return PMPI_Iallreduce(send, receive, count, type, op, comm, request);
}

int MPI_Reduce(const void* send, void* receive, int count, MPI_Datatype type, MPI_Op op, int root,
               MPI_Comm comm) {
  int rank = 0;
  PMPI_Comm_rank(comm, &rank);
  const std::int64_t bytes = bytes_of(count, type);
  collective(bytes, rank == root ? bytes : 0);
  return PMPI_Reduce(send, receive, count, type, op, root, comm);
}

int MPI_Allgather(const void* send, int send_count, MPI_Datatype send_type, void* receive,
                  int receive_count, MPI_Datatype receive_type, MPI_Comm comm) {
  const int ranks = ranks_in(comm);
  collective(bytes_of(send_count, send_type) * (ranks - 1),
             bytes_of(receive_count, receive_type) * ranks);
  return PMPI_Allgather(send, send_count, send_type, receive, receive_count, receive_type, comm);
}

int MPI_Allgatherv(const void* send, int send_count, MPI_Datatype send_type, void* receive,
                   const int receive_counts[], const int displacements[], MPI_Datatype receive_type,
                   MPI_Comm comm) {
  const int ranks = ranks_in(comm);
  collective(bytes_of(send_count, send_type) * (ranks - 1),
             bytes_of(sum(receive_counts, ranks), receive_type));
  return PMPI_Allgatherv(send, send_count, send_type, receive, receive_counts, displacements,
                         receive_type, comm);
}

int MPI_Alltoall(const void* send, int send_count, MPI_Datatype send_type, void* receive,
                 int receive_count, MPI_Datatype receive_type, MPI_Comm comm) {
  const int ranks = ranks_in(comm);
  collective(bytes_of(send_count, send_type) * ranks,
             bytes_of(receive_count, receive_type) * ranks);
  return PMPI_Alltoall(send, send_count, send_type, receive, receive_count, receive_type, comm);
}

int MPI_Alltoallv(const void* send, const int send_counts[], const int send_displacements[],
                  MPI_Datatype send_type, void* receive, const int receive_counts[],
                  const int receive_displacements[], MPI_Datatype receive_type, MPI_Comm comm) {
  const int ranks = ranks_in(comm);
  collective(bytes_of(sum(send_counts, ranks), send_type),
             bytes_of(sum(receive_counts, ranks), receive_type));
  return PMPI_Alltoallv(send, send_counts, send_displacements, send_type, receive, receive_counts,
                        receive_displacements, receive_type, comm);
}

int MPI_Sendrecv(const void* send, int send_count, MPI_Datatype send_type, int destination,
                 int send_tag, void* receive, int receive_count, MPI_Datatype receive_type,
                 int source, int receive_tag, MPI_Comm comm, MPI_Status* status) {
  message(destination == MPI_PROC_NULL ? 0 : bytes_of(send_count, send_type),
          source == MPI_PROC_NULL ? 0 : bytes_of(receive_count, receive_type));
  return PMPI_Sendrecv(send, send_count, send_type, destination, send_tag, receive, receive_count,
                       receive_type, source, receive_tag, comm, status);
}

// Blocking sends and receives (the NetCDF-4 direct writes' chunks to rank 0): a send is a
// message of the sender's; a receive adds its bytes on the receiver.
int MPI_Send(const void* buffer, int count, MPI_Datatype type, int destination, int tag,
             MPI_Comm comm) {
  message(destination == MPI_PROC_NULL ? 0 : bytes_of(count, type), 0);
  return PMPI_Send(buffer, count, type, destination, tag, comm);
}

int MPI_Recv(void* buffer, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
             MPI_Status* status) {
  swathgrid::received_bytes(source == MPI_PROC_NULL ? 0 : bytes_of(count, type));
  return PMPI_Recv(buffer, count, type, source, tag, comm, status);
}

int MPI_Gather(const void* send, int send_count, MPI_Datatype send_type, void* receive,
               int receive_count, MPI_Datatype receive_type, int root, MPI_Comm comm) {
  int rank = 0;
  PMPI_Comm_rank(comm, &rank);
  if (rank == root)
    collective(0, bytes_of(receive_count, receive_type) * (ranks_in(comm) - 1));
  else
    collective(bytes_of(send_count, send_type), 0);
  return PMPI_Gather(send, send_count, send_type, receive, receive_count, receive_type, root, comm);
}

int MPI_File_write_at_all(MPI_File file, MPI_Offset offset, const void* buffer, int count,
                          MPI_Datatype type, MPI_Status* status) {
  file_collective(count, type);
  return PMPI_File_write_at_all(file, offset, buffer, count, type, status);
}

int MPI_File_write_all(MPI_File file, const void* buffer, int count, MPI_Datatype type,
                       MPI_Status* status) {
  file_collective(count, type);
  return PMPI_File_write_all(file, buffer, count, type, status);
}

int MPI_File_read_at_all(MPI_File file, MPI_Offset offset, void* buffer, int count,
                         MPI_Datatype type, MPI_Status* status) {
  file_collective(count, type);
  return PMPI_File_read_at_all(file, offset, buffer, count, type, status);
}

int MPI_File_read_all(MPI_File file, void* buffer, int count, MPI_Datatype type,
                      MPI_Status* status) {
  file_collective(count, type);
  return PMPI_File_read_all(file, buffer, count, type, status);
}

}  // extern "C"
