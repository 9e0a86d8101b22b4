// write_floor: the file system's limit for writing a composite. Writes BYTES bytes to a new
// file PATH with pwrite, 4 MiB at a time from one buffer filled before the clock starts (so
// only the kernel's side is timed: page cache and file system, no data preparation), no
// fsync (swathgrid does not sync either), and prints one JSON line: bytes, seconds.
// benchmarks/run.sh runs it with the size of the output swathgrid just wrote, to set
// swathgrid's write phase (statistics finalised tile row by tile row, byte-swapped by
// PnetCDF, written through MPI-IO) against it.
//
//   write_floor PATH BYTES

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: write_floor PATH BYTES\n");
    return 1;
  }
  const char* path = argv[1];
  const std::size_t bytes = std::strtoull(argv[2], nullptr, 10);
  constexpr std::size_t kPiece = std::size_t{4} << 20;
  std::vector<unsigned char> piece(kPiece);
  for (std::size_t i = 0; i < kPiece; ++i) piece[i] = static_cast<unsigned char>(i * 131 + 7);
  unlink(path);  // a new file, as every composite is (see run.sh)
  const auto start = std::chrono::steady_clock::now();
  const int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd < 0) {
    std::perror(path);
    return 1;
  }
  for (std::size_t offset = 0; offset < bytes; offset += kPiece) {
    const std::size_t n = std::min(kPiece, bytes - offset);
    if (pwrite(fd, piece.data(), n, static_cast<off_t>(offset)) != static_cast<ssize_t>(n)) {
      std::perror(path);
      return 1;
    }
  }
  if (close(fd) != 0) {
    std::perror(path);
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("{\"bytes\": %zu, \"seconds\": %.4f, \"MB_per_s\": %.1f}\n", bytes, seconds,
              seconds > 0 ? bytes / 1e6 / seconds : 0.0);
  unlink(path);
  return 0;
}
