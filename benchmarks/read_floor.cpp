// read_floor: the I/O limit of a composite. Reads and decompresses, with the HDF5 C API and
// nothing else, the arrays swathgrid needs from each granule (geophysical_data/<var>,
// geophysical_data/l2_flags, navigation_data/latitude and longitude), whole, one granule
// after the other, and prints one JSON line: granules, bytes (uncompressed), seconds.
// No masking, no regridding, no MPI: a composite cannot be faster than this on one core
// (unless it reads less: swathgrid's subset reads skip lines that cannot reach the grid).
//
//   read_floor [--var chlor_a] [--input-list FILE] [GRANULE...]

#include <hdf5.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

/// Reads the whole dataset `name` of `file` in its native memory type; returns its bytes.
std::size_t read_whole(hid_t file, const std::string& name, std::vector<char>& buffer) {
  const hid_t dataset = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (dataset < 0) throw std::runtime_error("no dataset " + name);
  const hid_t file_type = H5Dget_type(dataset);
  const hid_t mem_type = H5Tget_native_type(file_type, H5T_DIR_ASCEND);
  const hid_t space = H5Dget_space(dataset);
  const std::size_t bytes =
      static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)) * H5Tget_size(mem_type);
  if (buffer.size() < bytes) buffer.resize(bytes);
  const herr_t status = H5Dread(dataset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data());
  H5Sclose(space);
  H5Tclose(mem_type);
  H5Tclose(file_type);
  H5Dclose(dataset);
  if (status < 0) throw std::runtime_error("cannot read " + name);
  return bytes;
}

std::vector<std::string> parse(int argc, char** argv, std::string& variable) {
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if ((arg == "--var" || arg == "--input-list") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--var") {
        variable = value;
        continue;
      }
      std::ifstream list(value);
      if (!list) throw std::runtime_error("cannot open " + value);
      for (std::string line; std::getline(list, line);)
        if (!line.empty() && line[0] != '#') paths.push_back(line);
    } else if (!arg.empty() && arg[0] == '-') {
      throw std::runtime_error("unknown option " + arg);
    } else {
      paths.push_back(arg);
    }
  }
  return paths;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string variable = "chlor_a";
    const std::vector<std::string> paths = parse(argc, argv, variable);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const std::vector<std::string> datasets = {"geophysical_data/" + variable,
                                               "geophysical_data/l2_flags",
                                               "navigation_data/latitude",
                                               "navigation_data/longitude"};
    std::vector<char> buffer;  // reused, as a reader would
    std::size_t bytes = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& path : paths) {
      const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
      if (file < 0) throw std::runtime_error("cannot open " + path);
      try {
        for (const auto& name : datasets) bytes += read_whole(file, name, buffer);
      } catch (const std::exception& error) {
        H5Fclose(file);
        throw std::runtime_error(path + ": " + error.what());
      }
      H5Fclose(file);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"granules\": %zu, \"bytes\": %zu, \"seconds\": %.4f, \"MB_per_s\": %.1f}\n",
                paths.size(), bytes, seconds, seconds > 0 ? bytes / 1e6 / seconds : 0.0);
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "read_floor: " << error.what() << "\n";
    return 1;
  }
}
