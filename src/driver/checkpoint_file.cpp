#include "checkpoint_file.hpp"

#include <unistd.h>
#ifdef SWATHGRID_HAVE_LIBDEFLATE
#include <libdeflate.h>
#else
#include <zlib.h>
#endif

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "swathgrid/error.hpp"
#include "swathgrid/staged_outputs.hpp"

namespace swathgrid {

namespace {

constexpr std::array<char, 8> kMagic{'S', 'W', 'G', 'C', 'K', 'P', 'T', '\n'};
constexpr std::uint32_t kFormatVersion = 4;  // 2: packed count words; 3: CRC-32, latest end;
                                             // 4: instruments, platforms

/// The LocalResult counters a checkpoint keeps, in file order (timings are not kept: they
/// describe one attempt).
std::array<std::int64_t*, 10> counters(LocalResult& r) {
  return {&r.granules_read,          &r.granules_missing_grid, &r.pixels_binned, &r.pixels_outside,
          &r.pixels_unrepresentable, &r.pixels_flagged,        &r.bytes_read,    &r.bytes_total,
          &r.granules_skipped,       &r.granules_all_fill};
}

std::string errno_text() { return std::strerror(errno); }

/// Buffered writes that keep a running checksum.
class HashedWriter {
 public:
  explicit HashedWriter(const std::string& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "wb");
    if (!file_) throw Error("checkpoint file " + path + ": cannot create: " + errno_text());
  }
  ~HashedWriter() {
    if (file_) std::fclose(file_);
  }
  void bytes(const void* data, std::size_t size) {
    hash_ = crc32_update(hash_, data, size);
    if (size && std::fwrite(data, 1, size, file_) != size)
      throw Error("checkpoint file " + path_ + ": cannot write: " + errno_text());
  }
  template <class T>
  void value(T v) {
    bytes(&v, sizeof v);
  }
  void text(const std::string& s) {
    value<std::uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  /// Appends the checksum, flushes and fsyncs, closes.
  void close() {
    const std::uint64_t sum = hash_;
    bytes(&sum, sizeof sum);
    if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0)
      throw Error("checkpoint file " + path_ + ": cannot write: " + errno_text());
    const int code = std::fclose(file_);
    file_ = nullptr;
    if (code != 0) throw Error("checkpoint file " + path_ + ": cannot close: " + errno_text());
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t hash_ = 0;
};

/// Reads with a running checksum; any short read is a damaged file.
class HashedReader {
 public:
  explicit HashedReader(const std::string& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw Error("checkpoint file " + path + ": cannot open: " + errno_text());
  }
  ~HashedReader() { std::fclose(file_); }
  void bytes(void* data, std::size_t size) {
    if (size && std::fread(data, 1, size, file_) != size) damaged("truncated");
    hash_ = crc32_update(hash_, data, size);
  }
  template <class T>
  T value() {
    T v{};
    bytes(&v, sizeof v);
    return v;
  }
  /// A count of items of `item_bytes` each, no larger than the file could hold.
  std::uint64_t count(std::uint64_t item_bytes) {
    const auto n = value<std::uint64_t>();
    std::error_code error;
    const auto size = std::filesystem::file_size(path_, error);
    if (error || (item_bytes && n > size / item_bytes)) damaged("impossible size");
    return n;
  }
  std::string text() {
    std::string s(count(1), '\0');
    bytes(s.data(), s.size());
    return s;
  }
  /// Checks the trailing checksum and that nothing follows it.
  void finish() {
    const std::uint64_t expected = hash_;
    std::uint64_t stored = 0;
    bytes(&stored, sizeof stored);
    if (stored != expected || std::fgetc(file_) != EOF) damaged("checksum mismatch");
  }
  [[noreturn]] void damaged(const std::string& why) const {
    throw Error("checkpoint file " + path_ + " is damaged (" + why +
                "); remove the checkpoint directory to start over");
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t hash_ = 0;
};

void write_period(HashedWriter& out, std::int64_t key, const TiledFields& fields) {
  out.value<std::int64_t>(key);
  out.value<std::uint64_t>(fields.allocated.size());
  out.bytes(fields.allocated.data(), fields.allocated.size() * sizeof(std::int64_t));
  const HostTiles host(fields);
  const std::int64_t per_tile = fields.tiles.cells_per_tile();
  std::vector<std::int64_t> field(static_cast<std::size_t>(per_tile));
  for (int f = 0; f < fields.layout.count; ++f)
    for (std::size_t slot = 0; slot < fields.allocated.size(); ++slot) {
      host.expand_field(static_cast<std::int64_t>(slot), f, field.data());
      out.bytes(field.data(), field.size() * sizeof(std::int64_t));
    }
}

void read_period(HashedReader& in, const TileGrid& tiles, Layer& layer) {
  const auto key = in.value<std::int64_t>();
  std::vector<std::int64_t> ids(in.count(sizeof(std::int64_t)));
  in.bytes(ids.data(), ids.size() * sizeof(std::int64_t));
  for (std::int64_t id : ids)
    if (id < 0 || id >= tiles.tile_count()) in.damaged("tile id out of the grid");
  std::vector<std::int64_t> values(ids.size() * tiles.cells_per_tile() * layer.layout.count);
  in.bytes(values.data(), values.size() * sizeof(std::int64_t));
  layer.period_fields(key, tiles)
      .combine_host(ids, values.data(),
                    static_cast<std::int64_t>(ids.size()) * tiles.cells_per_tile());
}

}  // namespace

std::uint64_t crc32_update(std::uint64_t crc, const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
#ifdef SWATHGRID_HAVE_LIBDEFLATE
  return libdeflate_crc32(static_cast<std::uint32_t>(crc), p, size);
#else
  constexpr std::size_t kPiece = std::size_t{1} << 30;  // zlib takes 32-bit lengths
  uLong value = static_cast<uLong>(crc);
  for (std::size_t at = 0; at < size; at += kPiece)
    value = ::crc32(value, p + at, static_cast<uInt>(std::min(kPiece, size - at)));
  return value;
#endif
}

std::uint64_t fnv1a(std::uint64_t hash, const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) hash = (hash ^ p[i]) * 1099511628211ull;
  return hash;
}

void write_checkpoint_file(const std::string& path, const CheckpointHeader& header,
                           const std::vector<Layer>& layers, const LocalResult& local,
                           const std::vector<std::size_t>& finished) {
  const std::string temporary = path + ".tmp";
  {
    HashedWriter out(temporary);
    out.bytes(kMagic.data(), kMagic.size());
    out.value(kFormatVersion);
    out.value(header.identity);
    out.value(header.epoch);
    out.value(header.rank);
    out.value(header.ranks);
    LocalResult copy = local;
    for (const std::int64_t* counter : counters(copy)) out.value(*counter);
    out.text(local.earliest_start);
    out.text(local.latest_end);
    for (const std::set<std::string>* names : {&local.instruments, &local.platforms}) {
      out.value<std::uint64_t>(names->size());
      for (const std::string& name : *names) out.text(name);
    }
    out.value<std::uint64_t>(local.failed.size());
    for (const auto& [index, message] : local.failed) {
      out.value<std::uint64_t>(index);
      out.text(message);
    }
    out.value<std::uint64_t>(finished.size());
    for (std::size_t index : finished) out.value<std::uint64_t>(index);
    out.value<std::uint64_t>(layers.size());
    for (const Layer& layer : layers) {
      out.value<std::int32_t>(layer.layout.count);
      out.value<std::uint64_t>(layer.periods.size());
      for (const auto& [key, fields] : layer.periods) write_period(out, key, fields);
    }
    out.close();
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    throw Error("checkpoint file " + path + ": cannot rename " + temporary + ": " + errno_text());
  sync_directory(std::filesystem::path(path).parent_path().string(), "checkpoint file " + path);
}

void merge_checkpoint_file(const std::string& path, const CheckpointHeader& expected,
                           const TileGrid& tiles, std::vector<Layer>& layers, LocalResult& local,
                           std::vector<std::size_t>& finished) {
  HashedReader in(path);
  std::array<char, 8> magic{};
  in.bytes(magic.data(), magic.size());
  if (magic != kMagic) in.damaged("not a swathgrid checkpoint file");
  if (in.value<std::uint32_t>() != kFormatVersion) in.damaged("unknown format version");
  if (in.value<std::uint64_t>() != expected.identity || in.value<std::uint64_t>() != expected.epoch)
    in.damaged("of another run or checkpoint generation");
  in.value<std::int32_t>();  // rank, ranks: informational
  in.value<std::int32_t>();
  for (std::int64_t* counter : counters(local)) *counter += in.value<std::int64_t>();
  const std::string start = in.text();
  if (!start.empty() && (local.earliest_start.empty() || start < local.earliest_start))
    local.earliest_start = start;
  const std::string end = in.text();
  if (end > local.latest_end) local.latest_end = end;
  for (std::set<std::string>* names : {&local.instruments, &local.platforms})
    for (std::uint64_t n = in.count(8); n > 0; --n) names->insert(in.text());
  for (std::uint64_t n = in.count(16); n > 0; --n) {
    const auto index = in.value<std::uint64_t>();
    local.failed.emplace_back(index, in.text());
  }
  for (std::uint64_t n = in.count(8); n > 0; --n) finished.push_back(in.value<std::uint64_t>());
  if (in.count(12) != layers.size()) in.damaged("layer count differs from the run's");
  for (Layer& layer : layers) {
    if (in.value<std::int32_t>() != layer.layout.count) in.damaged("field count differs");
    for (std::uint64_t n = in.count(16); n > 0; --n) read_period(in, tiles, layer);
  }
  in.finish();
}

}  // namespace swathgrid
