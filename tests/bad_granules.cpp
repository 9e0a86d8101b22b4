#include "bad_granules.hpp"

#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <utility>

#include "swathgrid/synth.hpp"

namespace swathgrid::test {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("bad corpus: " + what);
}

/// Copies `good` to `path`, opens the copy read-write for `edit`, closes it.
template <typename Edit>
void edit_copy(const std::string& good, const std::string& path, Edit edit) {
  std::filesystem::copy_file(good, path, std::filesystem::copy_options::overwrite_existing);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  require(file >= 0, "cannot open " + path);
  edit(file);
  require(H5Fclose(file) >= 0, "cannot close " + path);
}

std::vector<hsize_t> shape_of(hid_t file, const char* name) {
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  require(set >= 0, std::string("no dataset ") + name);
  const hid_t space = H5Dget_space(set);
  std::vector<hsize_t> dims(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  H5Sclose(space);
  H5Dclose(set);
  return dims;
}

/// Replaces dataset `name` by a new one of `type` and `dims` (fill values, no attributes).
void replace_dataset(hid_t file, const char* name, hid_t type, const std::vector<hsize_t>& dims) {
  require(H5Ldelete(file, name, H5P_DEFAULT) >= 0, std::string("cannot delete ") + name);
  const hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  const hid_t set = H5Dcreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  require(set >= 0, std::string("cannot create ") + name);
  H5Dclose(set);
  H5Sclose(space);
}

std::vector<float> read_floats(hid_t file, const char* name) {
  const auto dims = shape_of(file, name);
  std::size_t count = 1;
  for (hsize_t d : dims) count *= d;
  std::vector<float> values(count);
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  require(H5Dread(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0,
          std::string("cannot read ") + name);
  H5Dclose(set);
  return values;
}

void write_floats(hid_t file, const char* name, const std::vector<float>& values) {
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  require(H5Dwrite(set, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0,
          std::string("cannot write ") + name);
  H5Dclose(set);
}

float fill_value(hid_t file, const char* name) {
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  const hid_t attr = H5Aopen(set, "_FillValue", H5P_DEFAULT);
  float fill = 0.0f;
  require(attr >= 0 && H5Aread(attr, H5T_NATIVE_FLOAT, &fill) >= 0, "no _FillValue");
  H5Aclose(attr);
  H5Dclose(set);
  return fill;
}

/// Replaces (or with `value` nullptr, removes) a text attribute of the root group.
void set_root_text(hid_t file, const char* name, const char* value) {
  if (H5Aexists(file, name) > 0) H5Adelete(file, name);
  if (!value) return;
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, std::string(value).size());
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
  require(attr >= 0 && H5Awrite(attr, type, value) >= 0, std::string("cannot write ") + name);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

/// File offset and size of the first chunk of a chunked dataset.
std::pair<haddr_t, hsize_t> first_chunk(const std::string& path, const char* name) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t set = H5Dopen2(file, name, H5P_DEFAULT);
  const hid_t space = H5Dget_space(set);
  std::vector<hsize_t> offset(static_cast<std::size_t>(H5Sget_simple_extent_ndims(space)));
  unsigned filter_mask = 0;
  haddr_t address = 0;
  hsize_t size = 0;
  const herr_t status =
      H5Dget_chunk_info(set, space, 0, offset.data(), &filter_mask, &address, &size);
  H5Sclose(space);
  H5Dclose(set);
  H5Fclose(file);
  require(status >= 0 && size > 0, std::string("no chunk in ") + name);
  return {address, size};
}

/// Where the file's bytes hold the stored size of the first chunk of `name` (rank 2) in its
/// chunk index: a version 1 B-tree, as HDF5 writes it for netCDF-4 files, whose key for a
/// chunk is its size (4 bytes), its filter mask (4), its offset (8 a dimension, plus 8) and
/// is followed by the chunk's address (8).
std::size_t first_chunk_size_field(const std::string& bytes, const std::string& path,
                                   const char* name) {
  const auto [address, size] = first_chunk(path, name);
  std::string key(4 + 4 + 3 * 8 + 8, '\0');
  for (int b = 0; b < 4; ++b) key[static_cast<std::size_t>(b)] = static_cast<char>(size >> (8 * b));
  for (int b = 0; b < 8; ++b)
    key[32 + static_cast<std::size_t>(b)] = static_cast<char>(address >> (8 * b));
  const std::size_t at = bytes.find(key);
  require(at != std::string::npos && bytes.find(key, at + 1) == std::string::npos,
          std::string("no single chunk index key for the first chunk of ") + name);
  return at;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  require(static_cast<bool>(out), "cannot write " + path);
}

}  // namespace

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<BadGranule> write_bad_corpus(const std::string& dir, std::size_t lines,
                                         std::size_t pixels) {
  std::filesystem::create_directories(dir);
  const std::string good = dir + "/good.nc";
  SynthGranuleOptions options;
  options.time_coverage_start = kCorpusTime;
  options.lines = lines;
  options.pixels = pixels;
  options.cloud_fraction = 0.2;
  options.seed = 77;
  write_synthetic_granule(good, options);
  const std::string bytes = read_bytes(good);

  std::vector<BadGranule> corpus;
  auto add = [&](const std::string& name, BadKind kind, const std::string& cause) {
    corpus.push_back({name, dir + "/" + name, kind, cause});
    return corpus.back().path;
  };
  const auto error = BadKind::kReadError;

  write_bytes(add("truncated.nc", error, "truncated file"), bytes.substr(0, bytes.size() / 2));
  write_bytes(add("empty.nc", error, "empty file"), "");
  write_bytes(add("not_hdf5.nc", error, "not a NetCDF4/HDF5 file"),
              "CDF\x01 this is a classic netCDF header, not HDF5\n");
  // A damaged superblock: the HDF5 signature is there, the rest is not.
  std::string bad_superblock = bytes;
  for (std::size_t i = 8; i < 64 && i < bad_superblock.size(); ++i) bad_superblock[i] = '\xff';
  write_bytes(add("bad_superblock.nc", error, "cannot open as NetCDF4/HDF5"), bad_superblock);

  edit_copy(good, add("no_navigation.nc", error, "no group navigation_data"),
            [](hid_t f) { H5Ldelete(f, "navigation_data", H5P_DEFAULT); });
  edit_copy(good, add("no_chlor_a.nc", error, "no variable chlor_a"),
            [](hid_t f) { H5Ldelete(f, "geophysical_data/chlor_a", H5P_DEFAULT); });
  edit_copy(good, add("no_latitude.nc", error, "no variable latitude"),
            [](hid_t f) { H5Ldelete(f, "navigation_data/latitude", H5P_DEFAULT); });
  edit_copy(good, add("text_chlor_a.nc", error, "variable geophysical_data/chlor_a is not numeric"), [](hid_t f) {
    const hid_t text = H5Tcopy(H5T_C_S1);
    H5Tset_size(text, 8);
    replace_dataset(f, "geophysical_data/chlor_a", text, shape_of(f, "navigation_data/latitude"));
    H5Tclose(text);
  });
  edit_copy(good, add("lon_shape.nc", error, "navigation_data/longitude has shape"), [&](hid_t f) {
    replace_dataset(f, "navigation_data/longitude", H5T_NATIVE_FLOAT, {lines, pixels - 1});
  });
  edit_copy(good, add("chlor_a_shape.nc", error, "variable geophysical_data/chlor_a has shape"), [&](hid_t f) {
    replace_dataset(f, "geophysical_data/chlor_a", H5T_NATIVE_FLOAT, {lines - 1, pixels});
  });
  edit_copy(good, add("lat_1d.nc", error, "navigation_data/latitude has shape"), [&](hid_t f) {
    replace_dataset(f, "navigation_data/latitude", H5T_NATIVE_FLOAT, {lines * pixels});
  });
  edit_copy(good, add("flags_shape.nc", error, "geophysical_data/l2_flags does not have the shape"), [&](hid_t f) {
    replace_dataset(f, "geophysical_data/l2_flags", H5T_NATIVE_INT32, {lines, 2});
  });
  // Compressed data that no longer inflates: the first chunk of chlor_a overwritten.
  {
    const std::string path = add("corrupt_chunk.nc", error, "cannot read variable geophysical_data/chlor_a");
    std::string damaged = bytes;
    const auto [address, size] = first_chunk(good, "geophysical_data/chlor_a");
    for (hsize_t i = 0; i < size && address + i < damaged.size(); ++i)
      damaged[address + i] = static_cast<char>(0x5a + i % 7);
    write_bytes(path, damaged);
  }

  // A chunk index that gives the first chunk of chlor_a, or of latitude, 4 GB (a damaged key,
  // what the fuzzer found): refused before anything that large is allocated, on the direct
  // chunk path and on HDF5's (a subset read's strided navigation sample).
  const auto huge_first_chunk = [&](const char* name, const char* variable) {
    const std::string path =
        add(name, error,
            std::string("cannot read variable ") + variable +
                " (truncated or corrupt file?): damaged chunk index (a chunk of 4294967165 bytes");
    std::string damaged = bytes;
    damaged.replace(first_chunk_size_field(bytes, good, variable), 4, "\x7d\xff\xff\xff", 4);
    write_bytes(path, damaged);
  };
  huge_first_chunk("huge_chunk.nc", "geophysical_data/chlor_a");
  huge_first_chunk("huge_latitude_chunk.nc", "navigation_data/latitude");

  edit_copy(good, add("no_time.nc", BadKind::kTimeError, "time_coverage_start"),
            [](hid_t f) { set_root_text(f, "time_coverage_start", nullptr); });
  edit_copy(good, add("bad_time.nc", BadKind::kTimeError, "time_coverage_start"),
            [](hid_t f) { set_root_text(f, "time_coverage_start", "yesterday afternoon"); });

  edit_copy(good, add("all_fill.nc", BadKind::kUsable, ""), [](hid_t f) {
    for (const char* name : {"geophysical_data/chlor_a", "geophysical_data/poc",
                             "geophysical_data/carbon_phyto"}) {
      const float fill = fill_value(f, name);
      write_floats(f, name, std::vector<float>(read_floats(f, name).size(), fill));
    }
  });
  edit_copy(good, add("odd_coordinates.nc", BadKind::kUsable, ""), [](hid_t f) {
    auto lat = read_floats(f, "navigation_data/latitude");
    auto lon = read_floats(f, "navigation_data/longitude");
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float inf = std::numeric_limits<float>::infinity();
    const float odd_lat[] = {nan, 95.0f, -90.5f, inf, -999.0f};
    const float odd_lon[] = {nan, 180.5f, -400.0f, -inf, 1.0e30f};
    for (std::size_t i = 0; i < lat.size(); i += 3) lat[i] = odd_lat[(i / 3) % 5];
    for (std::size_t i = 1; i < lon.size(); i += 3) lon[i] = odd_lon[(i / 3) % 5];
    write_floats(f, "navigation_data/latitude", lat);
    write_floats(f, "navigation_data/longitude", lon);
  });
  return corpus;
}

}  // namespace swathgrid::test
