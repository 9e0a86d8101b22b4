// Reads one OB.DAAC Level-2 granule with the HDF5 C API (layout: ../shared/pace-l2-format.md).

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>
#include <sstream>
#include <utility>

#include "granule_subset.hpp"
#include "granule_values.hpp"
#include "hdf5_util.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/granule.hpp"

namespace swathgrid {

namespace {

constexpr const char* kGeophysicalGroup = "geophysical_data";
constexpr const char* kNavigationGroup = "navigation_data";
constexpr const char* kBandGroup = "sensor_band_parameters";
constexpr const char* kFlagsVariable = "l2_flags";
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
/// Larger granules are taken as corrupt dimensions (real ones: OCI 1710 x 1272, VIIRS
/// 3232 x 3200, about 2^23 pixels), and so are 3-D variables with more bands.
constexpr hsize_t kMaxGranulePixels = hsize_t{1} << 26;
constexpr hsize_t kMaxBands = 4096;

std::string shape_text(const std::vector<hsize_t>& dims) {
  std::string text;
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? " x " : "") + std::to_string(dims[i]);
  return text;
}

const char* type_class_name(H5T_class_t type_class) {
  switch (type_class) {
    case H5T_STRING:
      return "text";
    case H5T_COMPOUND:
      return "a compound type";
    case H5T_ENUM:
      return "an enumeration";
    case H5T_VLEN:
    case H5T_ARRAY:
      return "an array type";
    default:
      return "a non-numeric type";
  }
}

void check_file_readable(const std::string& path, const std::string& context) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw Error(context + ": no such file");
  if (std::filesystem::is_directory(status)) throw Error(context + ": is a directory");
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw Error(context + ": cannot open (" + std::strerror(errno) + ")");
  ::close(fd);
  if (std::filesystem::file_size(path, ec) == 0 && !ec) throw Error(context + ": empty file");
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw Error(context + ": not a NetCDF4/HDF5 file (or truncated)");
}

/// A requested flag name the file's l2_flags does not define.
struct UnknownFlag : Error {
  UnknownFlag(const std::string& message, std::string flag, std::string known_names)
      : Error(message), name(std::move(flag)), known(std::move(known_names)) {}
  std::string name, known;
};

/// The l2_flags dataset and the bits of the requested flag names.
struct FlagMask {
  h5::Handle set;
  std::uint32_t selected = 0;
};

FlagMask open_flag_mask(hid_t geo, const std::vector<std::string>& names,
                        const std::vector<hsize_t>& shape, const std::string& context) {
  FlagMask mask;
  mask.set = h5::open_dataset(geo, kFlagsVariable, context);
  const hid_t flags = mask.set.get();
  const std::string var = std::string(kGeophysicalGroup) + "/" + kFlagsVariable;
  if (h5::dataset_shape(flags, context) != shape)
    throw Error(context + ": " + var + " does not have the shape of the navigation");
  const auto masks = h5::read_integer_array_attribute(flags, "flag_masks", context);
  std::istringstream meanings(h5::read_text_attribute(flags, "flag_meanings"));
  std::vector<std::string> known;
  for (std::string word; meanings >> word;) known.push_back(word);
  if (known.size() != masks.size())
    throw Error(context + ": " + var + " has " + std::to_string(known.size()) +
                " flag_meanings but " + std::to_string(masks.size()) + " flag_masks");
  for (const auto& name : names) {
    std::size_t k = 0;
    while (k < known.size() && known[k] != name) ++k;
    if (k == known.size()) {
      std::string names;
      for (const auto& word : known)
        if (word != "SPARE") names += (names.empty() ? "" : " ") + word;
      throw UnknownFlag(context + ": l2_flags has no flag named '" + name + "'", name, names);
    }
    mask.selected |= static_cast<std::uint32_t>(masks[k]);
  }
  return mask;
}

/// The l2_flags words of `rows` (count of them), in this thread's buffer: kept from granule
/// to granule (grow-only), so not allocated and zeroed for each one.
const std::int32_t* read_flag_words(const FlagMask& mask, const h5::Rows& rows, std::size_t count,
                                    const std::string& context, std::size_t* bytes_read) {
  thread_local std::vector<std::int32_t> words;
  if (words.size() < count) words.resize(count);
  h5::read_rows(mask.set.get(), rows, H5T_NATIVE_INT32, words.data(), context,
                std::string("cannot read ") + kGeophysicalGroup + "/" + kFlagsVariable +
                    " (truncated or corrupt file?)");
  *bytes_read += count * sizeof(std::int32_t);
  return words.data();
}

/// Wavelengths (nm) of a 3-D variable's bands, when the file lists as many.
std::vector<double> band_wavelengths(hid_t file, std::size_t bands, const std::string& context) {
  if (H5Lexists(file, kBandGroup, H5P_DEFAULT) <= 0) return {};
  h5::Handle group = h5::open_group(file, kBandGroup, context);
  for (const char* name : {"wavelength_3d", "wavelength"}) {
    if (H5Lexists(group.get(), name, H5P_DEFAULT) <= 0) continue;
    h5::Handle set = h5::open_dataset(group.get(), name, context);
    const auto dims = h5::dataset_shape(set.get(), context);
    if (dims.size() != 1 || dims[0] != bands) continue;
    std::vector<double> nm(bands);
    if (H5Dread(set.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, nm.data()) >= 0)
      return nm;
  }
  return {};
}

/// Checks the variable's shape against the navigation and reads its description.
GranuleVariable describe_variable(hid_t file, hid_t set, const std::string& name,
                                  const std::vector<hsize_t>& nav_shape,
                                  const std::string& context) {
  const std::string full_name = std::string(kGeophysicalGroup) + "/" + name;
  const auto shape = h5::dataset_shape(set, context);
  if ((shape.size() != 2 && shape.size() != 3) || shape[0] != nav_shape[0] ||
      shape[1] != nav_shape[1])
    throw Error(context + ": variable " + full_name + " has shape " + shape_text(shape) +
                ", expected " + shape_text(nav_shape) + " (x bands) like the navigation");
  h5::Handle type(H5Dget_type(set), H5Tclose);
  const H5T_class_t type_class = H5Tget_class(type.get());
  if (type_class != H5T_FLOAT && type_class != H5T_INTEGER)
    throw Error(context + ": variable " + full_name + " is not numeric (stored as " +
                type_class_name(type_class) + ")");
  if (shape.size() == 3 && (shape[2] == 0 || shape[2] > kMaxBands))
    throw Error(context + ": variable " + full_name + " has " + std::to_string(shape[2]) +
                " bands (corrupt file?)");
  GranuleVariable var;
  var.bands = shape.size() == 3 ? shape[2] : 1;
  if (var.bands > 1) var.wavelengths = band_wavelengths(file, var.bands, context);
  var.info.name = name;
  var.info.units = h5::read_text_attribute(set, "units");
  var.info.long_name = h5::read_text_attribute(set, "long_name");
  var.info.standard_name = h5::read_text_attribute(set, "standard_name");
  const Packing packing = read_packing(set, is_integer_storage(set), context);
  var.info.has_valid_range = packing.has_valid_range;
  var.info.valid_min = packing.physical(packing.valid_min);
  var.info.valid_max = packing.physical(packing.valid_max);
  return var;
}

/// Reads `rows` of a described variable into var.values (band-major).
void read_variable_rows(hid_t set, const h5::Rows& rows, std::size_t pixels_per_line,
                        const std::string& context, GranuleVariable& var, std::size_t* bytes_read) {
  const std::size_t pixels = rows.count * pixels_per_line;
  var.values =
      read_physical(set, rows, context, std::string(kGeophysicalGroup) + "/" + var.info.name,
                    nullptr, bytes_read);
  if (var.bands > 1) var.values = to_band_major(var.values, pixels, var.bands);
}

/// Opens the file and checks the navigation: shared by describe_variables and read_granule.
struct OpenGranule {
  h5::Handle file, geo, nav, lat, lon;
  std::vector<hsize_t> shape;
};

OpenGranule open_granule(const std::string& path, const std::string& context) {
  h5::silence_errors();
  OpenGranule g;
  // One open of a good file (a thousand ranks each opening their granules three times is a
  // load on a parallel file system's metadata server); the checks that name the cause only
  // run when it fails.
  g.file = h5::Handle(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!g.file.valid()) {
    const bool truncated = h5::error_stack_mentions("truncated");
    check_file_readable(path, context);  // throws what is wrong, if it can tell
    throw Error(context + (truncated ? ": truncated file (shorter than its HDF5 superblock says)"
                                     : ": cannot open as NetCDF4/HDF5 (corrupt file?)"));
  }
  g.geo = h5::open_group(g.file.get(), kGeophysicalGroup, context);
  g.nav = h5::open_group(g.file.get(), kNavigationGroup, context);
  g.lat = h5::open_dataset(g.nav.get(), "latitude", context);
  g.lon = h5::open_dataset(g.nav.get(), "longitude", context);
  g.shape = h5::dataset_shape(g.lat.get(), context);
  if (g.shape.size() != 2)
    throw Error(context + ": navigation_data/latitude has shape " + shape_text(g.shape) +
                ", expected number_of_lines x pixels_per_line");
  if (g.shape[0] == 0 || g.shape[1] == 0 || g.shape[1] > kMaxGranulePixels ||
      g.shape[0] > kMaxGranulePixels / g.shape[1])
    throw Error(context + ": navigation_data/latitude has shape " + shape_text(g.shape) +
                " (empty, or too large for a granule: corrupt file?)");
  const auto lon_shape = h5::dataset_shape(g.lon.get(), context);
  if (lon_shape != g.shape)
    throw Error(context + ": navigation_data/longitude has shape " + shape_text(lon_shape) +
                " but navigation_data/latitude has " + shape_text(g.shape));
  return g;
}

}  // namespace

const std::vector<std::string>& l2bin_default_flags() {
  static const std::vector<std::string> flags = {
      "ATMFAIL",    "LAND",      "HIGLINT",  "HILT",    "HISATZEN", "STRAYLIGHT",
      "CLDICE",     "COCCOLITH", "LOWLW",    "CHLWARN", "CHLFAIL",  "NAVWARN",
      "MAXAERITER", "ATMWARN",   "HISOLZEN", "NAVFAIL", "FILTER"};
  return flags;
}

namespace {

/// check_flag_names on an open granule.
void check_flag_names(const OpenGranule& g, const std::vector<std::string>& flag_names,
                      const std::string& context) {
  if (flag_names.empty()) return;
  try {
    open_flag_mask(g.geo.get(), flag_names, g.shape, context);
  } catch (const UnknownFlag& e) {
    throw UsageError("--flags: unknown flag name '" + e.name + "' (" + context +
                     ": geophysical_data/l2_flags has " + e.known + ")");
  }
}

/// What the data day needs besides the times (include/swathgrid/data_day.hpp): the sensor,
/// the longitude range and the outline. Each is optional; a malformed one reads as absent.
void read_data_day_attributes(const OpenGranule& g, const std::string& context, Granule& granule) {
  granule.instrument = h5::read_text_attribute(g.file.get(), "instrument");
  granule.day_night = h5::read_text_attribute(g.file.get(), "day_night_flag");
  granule.platform = h5::read_text_attribute(g.file.get(), "platform");
  const auto number = [&](hid_t object, const char* name) {
    if (!h5::has_attribute(object, name) || h5::attribute_class(object, name) != H5T_FLOAT)
      return std::numeric_limits<double>::quiet_NaN();
    return h5::read_double_attribute(object, name, context);
  };
  granule.lon_min = number(g.file.get(), "geospatial_lon_min");
  granule.lon_max = number(g.file.get(), "geospatial_lon_max");
  const auto ring = [&](const char* name) {
    const hid_t nav = g.nav.get();
    const H5T_class_t kind = h5::attribute_class(nav, name);
    if (kind != H5T_FLOAT && kind != H5T_INTEGER) return std::vector<double>();
    return h5::read_double_array_attribute(nav, name, context);
  };
  granule.ring_lon = ring("gringpointlongitude");
  granule.ring_lat = ring("gringpointlatitude");
  if (granule.ring_lon.size() != granule.ring_lat.size()) granule.ring_lon.clear();
}

}  // namespace

std::vector<GranuleVariable> describe_variables(const std::string& path,
                                                const std::vector<std::string>& variables,
                                                const std::vector<std::string>& flag_names) {
  const std::string context = "granule " + path;
  OpenGranule g = open_granule(path, context);
  std::vector<GranuleVariable> described;
  for (const auto& name : variables) {
    h5::Handle set = h5::open_dataset(g.geo.get(), name, context);
    described.push_back(describe_variable(g.file.get(), set.get(), name, g.shape, context));
  }
  check_flag_names(g, flag_names, context);
  return described;
}

void check_flag_names(const std::string& path, const std::vector<std::string>& flag_names) {
  if (flag_names.empty()) return;
  const std::string context = "granule " + path;
  check_flag_names(open_granule(path, context), flag_names, context);
}

Granule read_granule(const std::string& path, const ReadRequest& request) {
  const std::string context = "granule " + path;
  // A failed HDF5 call leaves entries on this thread's error stack until the next call; a
  // reading thread that ends (--read-ahead) would lose them. Our Error carries the cause.
  struct ClearErrorStack {
    ~ClearErrorStack() { H5Eclear2(H5E_DEFAULT); }
  } clear_error_stack;
  OpenGranule g = open_granule(path, context);
  const auto& shape = g.shape;
  Granule granule;
  granule.path = path;
  granule.time_coverage_start = h5::read_text_attribute(g.file.get(), "time_coverage_start");
  granule.time_coverage_end = h5::read_text_attribute(g.file.get(), "time_coverage_end");
  read_data_day_attributes(g, context, granule);
  granule.file_lines = shape[0];
  granule.pixels = shape[1];
  // Everything requested is opened and checked before deciding what to read, so a bad file
  // is reported whether or not it is skipped.
  std::vector<h5::Handle> sets;
  for (const auto& name : request.variables) {
    sets.push_back(h5::open_dataset(g.geo.get(), name, context));
    granule.variables.push_back(
        describe_variable(g.file.get(), sets.back().get(), name, shape, context));
    granule.bytes_total += stored_bytes(sets.back().get(), context);
  }
  FlagMask flags;
  if (!request.mask_flags.empty()) {
    flags = open_flag_mask(g.geo.get(), request.mask_flags, shape, context);
    granule.bytes_total += stored_bytes(flags.set.get(), context);
  }
  granule.bytes_total += stored_bytes(g.lat.get(), context) + stored_bytes(g.lon.get(), context);

  SubsetPlan plan = plan_subset(g.file.get(), g.lat.get(), g.lon.get(), shape[0], shape[1], request,
                                context, &granule.bytes_read);
  if (!plan.lines) {
    granule.skipped_by_bounds = true;
    return granule;
  }
  granule.first_line = plan.lines->first;
  granule.lines = plan.lines->count;
  const h5::Rows rows{plan.lines->first, plan.lines->count, 1};
  const std::size_t count = granule.lines * granule.pixels;
  for (std::size_t v = 0; v < sets.size(); ++v)
    read_variable_rows(sets[v].get(), rows, granule.pixels, context, granule.variables[v],
                       &granule.bytes_read);
  if (!plan.latitude.empty()) {  // the plan read the navigation of these lines already
    const std::size_t lat_begin = granule.first_line * granule.pixels;
    const std::size_t lon_begin = (granule.first_line - plan.longitude_first) * granule.pixels;
    granule.latitude.assign(plan.latitude.begin() + lat_begin,
                            plan.latitude.begin() + lat_begin + count);
    granule.longitude.assign(plan.longitude.begin() + lon_begin,
                             plan.longitude.begin() + lon_begin + count);
  } else {
    granule.latitude = read_physical(g.lat.get(), rows, context, "navigation_data/latitude",
                                     nullptr, &granule.bytes_read);
    granule.longitude = read_physical(g.lon.get(), rows, context, "navigation_data/longitude",
                                      nullptr, &granule.bytes_read);
  }
  const std::int32_t* flag_words =
      flags.set.valid() ? read_flag_words(flags, rows, count, context, &granule.bytes_read)
                        : nullptr;

  // Pixels without navigation or with a selected flag lose their values; on the reading
  // thread's team (each pixel its own).
  float* latitude = granule.latitude.data();
  float* longitude = granule.longitude.data();
  std::vector<GranuleVariable>& variables = granule.variables;
  const std::uint32_t selected = flags.selected;
  std::size_t flagged = 0;
#pragma omp parallel for schedule(static) reduction(+ : flagged)
  for (std::size_t i = 0; i < count; ++i) {
    const float la = latitude[i], lo = longitude[i];
    const bool no_navigation = !(la >= -90.0f && la <= 90.0f) || !(lo >= -180.0f && lo <= 180.0f);
    if (no_navigation) latitude[i] = longitude[i] = kNaN;
    const bool is_flagged =
        flag_words && (static_cast<std::uint32_t>(flag_words[i]) & selected) != 0;
    if (is_flagged) ++flagged;
    if (!no_navigation && !is_flagged) continue;
    for (auto& var : variables)
      for (std::size_t b = 0; b < var.bands; ++b) var.values[b * count + i] = kNaN;
  }
  granule.pixels_flagged += flagged;
  return granule;
}

}  // namespace swathgrid
