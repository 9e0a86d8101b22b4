// deflate_floor: the compression limit of a NetCDF-4 composite's write. For each chunked
// 2-D or 3-D field of FILE (a composite swathgrid wrote), reads it plane by plane with HDF5,
// cuts each plane into the file's chunks (edge chunks padded with the first value, as if
// fill), shuffles each chunk's bytes as HDF5's shuffle filter does, and compresses every chunk
// that does not hold one value throughout with swathgrid's deflate_bytes() (as the writer:
// ISA-L's igzip at level 1, libdeflate at others, where built with them;
// SWATHGRID_ISAL_COMPRESS=0 takes libdeflate at level 1 too) at LEVEL, on one thread; only the
// compression is timed. Prints one JSON line per field: chunks compressed, bytes in and out,
// seconds. The write phase of a composite cannot take less CPU than the sum of these seconds
// (docs/performance.md, sessions 16 and 17).
//
//   deflate_floor FILE [LEVEL]

#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "output/fast_deflate.hpp"

namespace {

struct Totals {
  std::size_t chunks = 0, bytes_in = 0, bytes_out = 0;
  double seconds = 0.0;
};

/// Compresses the chunks of one 2-D plane (ny x nx 4-byte values, chunks of cy x cx).
void compress_plane(const std::vector<std::uint32_t>& plane, hsize_t ny, hsize_t nx, hsize_t cy,
                    hsize_t cx, int level, Totals& totals) {
  std::vector<unsigned char> shuffled(cy * cx * 4);
  for (hsize_t r0 = 0; r0 < ny; r0 += cy)
    for (hsize_t c0 = 0; c0 < nx; c0 += cx) {
      const std::uint32_t first = plane[r0 * nx + c0];
      bool one_value = true;
      for (hsize_t r = 0; r < cy; ++r)
        for (hsize_t c = 0; c < cx; ++c) {
          const bool inside = r0 + r < ny && c0 + c < nx;
          const std::uint32_t v = inside ? plane[(r0 + r) * nx + c0 + c] : first;
          one_value = one_value && v == first;
          for (int b = 0; b < 4; ++b)
            shuffled[b * cy * cx + r * cx + c] = static_cast<unsigned char>(v >> (8 * b));
        }
      if (one_value) continue;
      const auto start = std::chrono::steady_clock::now();
      const std::vector<unsigned char> out =
          swathgrid::deflate_bytes(shuffled.data(), shuffled.size(), level);
      totals.seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++totals.chunks;
      totals.bytes_in += shuffled.size();
      totals.bytes_out += out.size();
    }
}

/// H5Literate's callback: every chunked dataset of 4-byte values with two or three dimensions.
herr_t visit(hid_t group, const char* name, const H5L_info_t*, void* data) {
  const int level = *static_cast<int*>(data);
  const hid_t set = H5Dopen2(group, name, H5P_DEFAULT);
  if (set < 0) return 0;
  const hid_t space = H5Dget_space(set), type = H5Dget_type(set), create = H5Dget_create_plist(set);
  hsize_t dims[3] = {1, 1, 1}, chunk[3] = {1, 1, 1};
  const int rank = H5Sget_simple_extent_ndims(space);
  if ((rank == 2 || rank == 3) && H5Tget_size(type) == 4 && H5Pget_layout(create) == H5D_CHUNKED) {
    H5Sget_simple_extent_dims(space, dims, nullptr);
    H5Pget_chunk(create, rank, chunk);
    const hsize_t planes = rank == 3 ? dims[0] : 1;
    const hsize_t ny = dims[rank - 2], nx = dims[rank - 1];
    const hsize_t cy = chunk[rank - 2], cx = chunk[rank - 1];
    std::vector<std::uint32_t> plane(ny * nx);
    Totals totals;
    for (hsize_t p = 0; p < planes; ++p) {
      hsize_t start[3] = {p, 0, 0}, count[3] = {1, ny, nx};
      if (rank == 2) {
        start[0] = 0;
        count[0] = ny;
        count[1] = nx;
      }
      const hid_t file_space = H5Dget_space(set);
      H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr);
      const hid_t memory = H5Screate_simple(rank, count, nullptr);
      const hid_t native = H5Tget_native_type(type, H5T_DIR_ASCEND);
      if (H5Dread(set, native, memory, file_space, H5P_DEFAULT, plane.data()) >= 0)
        compress_plane(plane, ny, nx, cy, cx, level, totals);
      H5Tclose(native);
      H5Sclose(memory);
      H5Sclose(file_space);
    }
    std::printf(
        "{\"field\": \"%s\", \"chunks\": %zu, \"bytes_in\": %zu, \"bytes_out\": %zu, "
        "\"seconds\": %.3f}\n",
        name, totals.chunks, totals.bytes_in, totals.bytes_out, totals.seconds);
  }
  H5Pclose(create);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(set);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: deflate_floor FILE [LEVEL]\n");
    return 1;
  }
  int level = argc == 3 ? std::atoi(argv[2]) : 1;
  const hid_t file = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) {
    std::fprintf(stderr, "deflate_floor: cannot open %s\n", argv[1]);
    return 1;
  }
  H5Literate(file, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, visit, &level);
  H5Fclose(file);
  return 0;
}
