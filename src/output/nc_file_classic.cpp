// The classic encoding (CDF-2, CDF-5 beyond 4 GiB per variable) through PnetCDF: the design's
// canonical path (create -> define -> enddef -> put_vara_*_all -> close).

#include <pnetcdf.h>

#include <type_traits>

#include "output/nc_file.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid::netcdf {

static_assert(NC_GLOBAL == kGlobalVariable, "PnetCDF's NC_GLOBAL");
static_assert(std::is_same_v<std::int32_t, int>, "PnetCDF writes count fields as C int");

namespace {

constexpr int kScalar = 1;  // length of a one-value attribute

void check(int status, const std::string& what) {
  if (status != NC_NOERR) throw Error(what + ": " + ncmpi_strerror(status));
}

nc_type type_of(NcType type) {
  switch (type) {
    case NcType::kInt:
      return NC_INT;
    case NcType::kFloat:
      return NC_FLOAT;
    case NcType::kDouble:
      break;
  }
  return NC_DOUBLE;
}

/// Bytes of one value of a classic-format type.
MPI_Offset type_bytes(nc_type type) {
  switch (type) {
    case NC_BYTE:
    case NC_CHAR:
    case NC_UBYTE:
      return 1;
    case NC_SHORT:
    case NC_USHORT:
      return 2;
    case NC_INT:
    case NC_UINT:
    case NC_FLOAT:
      return 4;
    default:
      return 8;  // NC_DOUBLE, NC_INT64, NC_UINT64
  }
}

std::vector<MPI_Offset> offsets(const std::vector<std::int64_t>& values) {
  return {values.begin(), values.end()};
}

// PnetCDF wants a buffer even for an empty block.
const int kNoInts = 0;
const float kNoFloats = 0.0f;
const double kNoDoubles = 0.0;

class ClassicFile final : public NcFile {
 public:
  ClassicFile(const std::string& path, bool cdf5, MPI_Comm comm) {
    check(ncmpi_create(comm, path.c_str(), NC_CLOBBER | (cdf5 ? NC_64BIT_DATA : NC_64BIT_OFFSET),
                       MPI_INFO_NULL, &ncid_),
          "creating the file");
  }
  ~ClassicFile() override { abort(); }

  int def_dim(const std::string& name, std::int64_t length) override {
    int dimid = -1;
    check(ncmpi_def_dim(ncid_, name.c_str(), static_cast<MPI_Offset>(length), &dimid),
          "defining dimension " + name);
    return dimid;
  }

  int def_var(const std::string& name, NcType type, const std::vector<int>& dims,
              bool /*field: stored plainly*/) override {
    int varid = -1;
    check(ncmpi_def_var(ncid_, name.c_str(), type_of(type), static_cast<int>(dims.size()),
                        dims.data(), &varid),
          "defining variable " + name);
    names_[varid] = name;
    return varid;
  }

  void put_text(int varid, const std::string& name, const std::string& value) override {
    check(ncmpi_put_att_text(ncid_, varid, name.c_str(), static_cast<MPI_Offset>(value.size()),
                             value.c_str()),
          attribute_label(varid, name));
  }
  void put_doubles(int varid, const std::string& name, const std::vector<double>& values) override {
    check(ncmpi_put_att_double(ncid_, varid, name.c_str(), NC_DOUBLE,
                               static_cast<MPI_Offset>(values.size()), values.data()),
          attribute_label(varid, name));
  }
  void put_float(int varid, const std::string& name, float value) override {
    check(ncmpi_put_att_float(ncid_, varid, name.c_str(), NC_FLOAT, kScalar, &value),
          attribute_label(varid, name));
  }
  void put_int(int varid, const std::string& name, int value) override {
    check(ncmpi_put_att_int(ncid_, varid, name.c_str(), NC_INT, kScalar, &value),
          attribute_label(varid, name));
  }

  void enddef() override { check(ncmpi_enddef(ncid_), "ending define mode"); }

  /// The end of the last variable (the file has no record variables).
  long long size_bound() override {
    int variables = 0;
    check(ncmpi_inq_nvars(ncid_, &variables), "counting variables");
    long long end = 0;
    for (int v = 0; v < variables; ++v) {
      MPI_Offset offset = 0;
      check(ncmpi_inq_varoffset(ncid_, v, &offset), "locating a variable");
      nc_type type = NC_NAT;
      int dims = 0;
      check(ncmpi_inq_vartype(ncid_, v, &type), "a variable's type");
      check(ncmpi_inq_varndims(ncid_, v, &dims), "a variable's dimensions");
      std::vector<int> ids(static_cast<std::size_t>(dims));
      check(ncmpi_inq_vardimid(ncid_, v, ids.data()), "a variable's dimensions");
      MPI_Offset bytes = type_bytes(type);
      for (int id : ids) {
        MPI_Offset length = 0;
        check(ncmpi_inq_dimlen(ncid_, id, &length), "a dimension's length");
        bytes *= length;
      }
      end = std::max<long long>(end, offset + bytes);
    }
    return end;
  }

  void write(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const float* values,
             const ColumnSpans* /*data_columns: every value is written*/) override {
    check(ncmpi_put_vara_float_all(ncid_, varid, offsets(start).data(), offsets(count).data(),
                                   values ? values : &kNoFloats),
          "writing " + variable_name(varid));
  }
  void write(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const std::int32_t* values,
             const ColumnSpans* /*data_columns: every value is written*/) override {
    check(ncmpi_put_vara_int_all(ncid_, varid, offsets(start).data(), offsets(count).data(),
                                 values ? values : &kNoInts),
          "writing " + variable_name(varid));
  }
  void write(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const double* values) override {
    check(ncmpi_put_vara_double_all(ncid_, varid, offsets(start).data(), offsets(count).data(),
                                    values ? values : &kNoDoubles),
          "writing " + variable_name(varid));
  }
  void write_scalar(int varid, int value) override {
    check(ncmpi_put_var_int_all(ncid_, varid, &value), "writing " + variable_name(varid));
  }

  bool can_batch() const override { return true; }
  void attach_write_buffer(long long bytes) override {
    check(ncmpi_buffer_attach(ncid_, static_cast<MPI_Offset>(bytes)), "reserving a write buffer");
    attached_ = true;
  }
  void queue(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const float* values) override {
    int request = NC_REQ_NULL;
    check(ncmpi_bput_vara_float(ncid_, varid, offsets(start).data(), offsets(count).data(), values,
                                &request),
          "writing " + variable_name(varid));
  }
  void queue(int varid, const std::vector<std::int64_t>& start,
             const std::vector<std::int64_t>& count, const std::int32_t* values) override {
    int request = NC_REQ_NULL;
    check(ncmpi_bput_vara_int(ncid_, varid, offsets(start).data(), offsets(count).data(), values,
                              &request),
          "writing " + variable_name(varid));
  }
  void flush() override {
    check(ncmpi_wait_all(ncid_, NC_REQ_ALL, nullptr, nullptr), "writing the fields");
  }

  void close() override {
    if (attached_) {  // every queued write was flushed: nothing holds the buffer
      attached_ = false;
      check(ncmpi_buffer_detach(ncid_), "releasing the write buffer");
    }
    open_ = false;  // ncmpi_close releases the handle even when it fails
    check(ncmpi_close(ncid_), "closing the file");
  }
  void abort() noexcept override {
    if (open_ && attached_) {  // ncmpi_abort keeps the buffer: queued writes dropped, freed
      ncmpi_cancel(ncid_, NC_REQ_ALL, nullptr, nullptr);
      ncmpi_buffer_detach(ncid_);
    }
    attached_ = false;
    if (open_) ncmpi_abort(ncid_);
    open_ = false;
  }

 private:
  int ncid_ = -1;
  bool open_ = true;
  bool attached_ = false;  ///< a write buffer is attached (batched writes)
};

}  // namespace

std::unique_ptr<NcFile> create_classic(const std::string& path, bool cdf5, MPI_Comm comm) {
  return std::make_unique<ClassicFile>(path, cdf5, comm);
}

}  // namespace swathgrid::netcdf
