// mpi_pingpong: the per-message and per-byte costs the campaign model uses
// (docs/performance.md, "Scaling to thousands of ranks"). Ranks 0 and 1 exchange messages of
// 8 B to 64 MiB with MPI_Sendrecv, as the combine's tree does; for each size rank 0 prints
// one JSON line: bytes, one-way seconds (median of 7 rounds of `repeat` exchanges). A fit
// t(bytes) = alpha + bytes / beta gives the latency alpha (small messages) and the bandwidth
// beta (large ones). On a cluster run it across two nodes (one rank each) to get the
// interconnect's figures; on one machine it measures shared memory.
//
//   mpiexec -n 2 mpi_pingpong

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < 2) {
    if (rank == 0) std::fprintf(stderr, "mpi_pingpong: needs 2 ranks\n");
    MPI_Finalize();
    return 1;
  }
  constexpr long kLargest = 64L << 20;
  constexpr int kRounds = 7;
  std::vector<char> send(kLargest, 1), receive(kLargest);
  for (long bytes = 8; bytes <= kLargest; bytes *= 8) {
    const int repeat = static_cast<int>(std::max(4L, std::min(2000L, (256L << 20) / bytes)));
    std::vector<double> rounds;
    for (int r = 0; r < kRounds; ++r) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      for (int i = 0; i < repeat && rank < 2; ++i)
        MPI_Sendrecv(send.data(), static_cast<int>(bytes), MPI_BYTE, 1 - rank, 0, receive.data(),
                     static_cast<int>(bytes), MPI_BYTE, 1 - rank, 0, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
      rounds.push_back((MPI_Wtime() - start) / repeat);
    }
    std::sort(rounds.begin(), rounds.end());
    if (rank == 0)
      std::printf("{\"bytes\": %ld, \"seconds\": %.3e, \"gb_per_s\": %.2f}\n", bytes,
                  rounds[kRounds / 2], static_cast<double>(bytes) / rounds[kRounds / 2] / 1e9);
  }
  MPI_Finalize();
  return 0;
}
