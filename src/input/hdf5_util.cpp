#include "hdf5_util.hpp"

#include <algorithm>
#include <utility>

#include "chunk_reader.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid::h5 {

namespace {
/// Longer text attributes are read as "" (real ones are at most a few kB: history).
constexpr std::size_t kMaxTextAttributeBytes = std::size_t{1} << 24;
}  // namespace

void silence_errors() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace {
herr_t find_in_error(unsigned /*n*/, const H5E_error2_t* error, void* data) {
  auto* wanted = static_cast<std::pair<const std::string*, bool>*>(data);
  if (error->desc && std::string(error->desc).find(*wanted->first) != std::string::npos)
    wanted->second = true;
  return 0;
}
}  // namespace

bool error_stack_mentions(const std::string& text) {
  std::pair<const std::string*, bool> wanted{&text, false};
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, find_in_error, &wanted);
  return wanted.second;
}

void check(herr_t status, const std::string& context, const std::string& what) {
  if (status < 0) throw Error(context + ": " + what);
}

namespace {
bool link_exists(hid_t parent, const std::string& path) {
  // H5Lexists fails on a path whose intermediate groups are missing: walk it piecewise.
  std::string prefix;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    prefix = path.substr(0, slash);
    if (H5Lexists(parent, prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}
}  // namespace

Handle open_group(hid_t parent, const std::string& name, const std::string& context) {
  if (!link_exists(parent, name)) throw Error(context + ": no group " + name);
  Handle group(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group.valid()) throw Error(context + ": " + name + " is not a group");
  return group;
}

Handle open_dataset(hid_t parent, const std::string& name, const std::string& context) {
  if (!link_exists(parent, name)) throw Error(context + ": no variable " + name);
  Handle dataset(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset.valid()) throw Error(context + ": " + name + " is not a variable");
  return dataset;
}

std::vector<hsize_t> dataset_shape(hid_t dataset, const std::string& context) {
  Handle space(H5Dget_space(dataset), H5Sclose);
  if (!space.valid()) throw Error(context + ": cannot read the variable's shape");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) throw Error(context + ": cannot read the variable's shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return dims;
}

std::size_t row_elements(const std::vector<hsize_t>& shape) {
  std::size_t elements = 1;
  for (std::size_t d = 1; d < shape.size(); ++d) elements *= static_cast<std::size_t>(shape[d]);
  return elements;
}

namespace {
/// The rows' hyperslab, checked against the dataset's first dimension.
void check_rows(const std::vector<hsize_t>& shape, const Rows& rows, const std::string& context,
                const std::string& what) {
  const hsize_t last = rows.first + (rows.count - 1) * rows.stride;
  if (shape.empty() || rows.stride == 0 || last >= shape[0])
    throw Error(context + ": " + what + " (rows outside the variable)");
}
}  // namespace

ChunkSizes::ChunkSizes(hid_t dataset) {
  Handle file(H5Iget_file_id(dataset), H5Fclose);
  if (!file.valid() || H5Fget_filesize(file.get(), &file_bytes_) < 0) file_bytes_ = 0;
}

void ChunkSizes::add(hsize_t stored, std::size_t deflated_values) {
  constexpr std::size_t kMostInflatedPerByte = 258 * 4;
  if ((file_bytes_ > 0 && stored > file_bytes_ - total_) ||
      deflated_values / kMostInflatedPerByte > stored)
    throw Error("damaged chunk index (a chunk of " + std::to_string(stored) + " bytes" +
                (deflated_values > 0
                     ? " stored for " + std::to_string(deflated_values) + " bytes of values"
                     : std::string()) +
                ", in a file of " + std::to_string(file_bytes_) + " bytes)");
  total_ += stored;
}

void check_chunk_index(hid_t dataset, const Rows& rows) {
  Handle plist(H5Dget_create_plist(dataset), H5Pclose);
  if (!plist.valid() || H5Pget_layout(plist.get()) != H5D_CHUNKED || rows.count == 0) return;
  Handle space(H5Dget_space(dataset), H5Sclose);
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 1 || H5Pget_chunk(plist.get(), 0, nullptr) != rank) return;
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank)), chunk(dims.size());
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  H5Pget_chunk(plist.get(), rank, chunk.data());
  for (hsize_t c : chunk)
    if (c == 0) return;
  ChunkSizes sizes(dataset);
  hsize_t previous_line = ~hsize_t{0};
  std::vector<hsize_t> offset(dims.size(), 0);
  for (hsize_t k = 0; k < rows.count; ++k) {  // each chunk line holding a row, once
    const hsize_t line = (rows.first + k * rows.stride) / chunk[0] * chunk[0];
    if (line == previous_line) continue;
    previous_line = line;
    std::fill(offset.begin(), offset.end(), 0);
    offset[0] = line;
    while (true) {  // every chunk of the line: offsets after the first counted like an odometer
      hsize_t stored = 0;
      if (H5Dget_chunk_storage_size(dataset, offset.data(), &stored) >= 0) sizes.add(stored);
      std::size_t d = offset.size();
      while (--d > 0) {
        offset[d] += chunk[d];
        if (offset[d] < dims[d]) break;
        offset[d] = 0;
      }
      if (d == 0) break;
    }
  }
}

namespace {
/// `read` (a read of `what`), its damaged chunk index named with `context` and `what`.
template <typename Read>
void naming_a_damaged_index(const std::string& context, const std::string& what, Read read) {
  try {
    read();
  } catch (const Error& e) {
    throw Error(context + ": " + what + ": " + e.what());
  }
}
}  // namespace

void read_rows(hid_t dataset, const Rows& rows, hid_t mem_type, void* buffer,
               const std::string& context, const std::string& what) {
  const std::vector<hsize_t> shape = dataset_shape(dataset, context);
  if (rows.count == 0) return;
  check_rows(shape, rows, context, what);
  bool done = false;
  naming_a_damaged_index(context, what,
                         [&] { done = read_rows_direct(dataset, rows, mem_type, buffer); });
  if (!done) read_rows_through_hdf5(dataset, rows, mem_type, buffer, context, what);
}

void read_rows_through_hdf5(hid_t dataset, const Rows& rows, hid_t mem_type, void* buffer,
                            const std::string& context, const std::string& what) {
  const std::vector<hsize_t> shape = dataset_shape(dataset, context);
  if (rows.count == 0) return;
  check_rows(shape, rows, context, what);
  // HDF5 allocates a chunk's stored size before reading it.
  naming_a_damaged_index(context, what, [&] { check_chunk_index(dataset, rows); });
  std::vector<hsize_t> start(shape.size(), 0), stride(shape.size(), 1), count = shape;
  start[0] = rows.first;
  stride[0] = rows.stride;
  count[0] = rows.count;
  Handle file_space(H5Dget_space(dataset), H5Sclose);
  check(file_space.valid() ? 0 : -1, context, what);
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), stride.data(),
                            count.data(), nullptr),
        context, what);
  Handle mem_space(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                   H5Sclose);
  check(mem_space.valid() ? 0 : -1, context, what);
  check(H5Dread(dataset, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, buffer), context,
        what);
}

bool has_attribute(hid_t object, const std::string& name) {
  return H5Aexists(object, name.c_str()) > 0;
}

double read_double_attribute(hid_t object, const std::string& name, const std::string& context) {
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) throw Error(context + ": cannot open attribute " + name);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n < 1) throw Error(context + ": attribute " + name + " is empty");
  std::vector<double> values(static_cast<std::size_t>(n));
  check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, values.data()), context,
        "attribute " + name + " is not numeric");
  return values.front();
}

std::vector<long long> read_integer_array_attribute(hid_t object, const std::string& name,
                                                    const std::string& context) {
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) throw Error(context + ": no attribute " + name);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<long long> values(static_cast<std::size_t>(n > 0 ? n : 0));
  if (n > 0)
    check(H5Aread(attr.get(), H5T_NATIVE_LLONG, values.data()), context,
          "attribute " + name + " is not an integer array");
  return values;
}

std::vector<double> read_double_array_attribute(hid_t object, const std::string& name,
                                                const std::string& context) {
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) throw Error(context + ": no attribute " + name);
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  std::vector<double> values(static_cast<std::size_t>(n > 0 ? n : 0));
  if (n > 0)
    check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, values.data()), context,
          "attribute " + name + " is not a numeric array");
  return values;
}

H5T_class_t attribute_class(hid_t object, const std::string& name) {
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!attr.valid()) return H5T_NO_CLASS;
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  return H5Tget_class(type.get());
}

std::string read_text_attribute(hid_t object, const std::string& name) {
  if (!has_attribute(object, name)) return "";
  Handle attr(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.get()), H5Tclose);
  if (!attr.valid() || H5Tget_class(type.get()) != H5T_STRING) return "";
  // A text attribute is one string; an array of them reads as "" (H5Aread fills all elements).
  Handle space(H5Aget_space(attr.get()), H5Sclose);
  if (!space.valid() || H5Sget_simple_extent_npoints(space.get()) != 1) return "";
  if (H5Tis_variable_str(type.get()) > 0) {
    char* text = nullptr;
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.get(), H5T_VARIABLE);
    if (H5Aread(attr.get(), mem.get(), &text) < 0 || text == nullptr) return "";
    std::string result(text);
    H5free_memory(text);
    return result;
  }
  const std::size_t size = H5Tget_size(type.get());
  if (size == 0 || size > kMaxTextAttributeBytes) return "";
  std::string result(size, '\0');
  if (H5Aread(attr.get(), type.get(), result.data()) < 0) return "";
  result.resize(result.find('\0') == std::string::npos ? size : result.find('\0'));
  return result;
}

}  // namespace swathgrid::h5
