// mpi_start: the start-up floor of any MPI program. MPI_Init and MPI_Finalize, nothing else;
// rank 0 prints one JSON line (ranks, seconds from MPI_Init's return to a barrier all ranks
// have passed). Run under the same mpiexec as swathgrid, its wall time is what every
// composite pays before and after its work (benchmarks/run.sh: mpi-start-n1, mpi-start-n2,
// mpi-start-n2-ob1).
//
//   mpiexec -n 2 mpi_start

#include <mpi.h>

#include <cstdio>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  const double start = MPI_Wtime();
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Barrier(MPI_COMM_WORLD);  // every rank is up, as a composite's first collective needs
  if (rank == 0) std::printf("{\"ranks\": %d, \"seconds\": %.4f}\n", size, MPI_Wtime() - start);
  MPI_Finalize();
  return 0;
}
