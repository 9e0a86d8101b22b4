#include "reduce/tile_exchange.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/fault.hpp"
#include "swathgrid/host_parallel.hpp"
#include "swathgrid/netcdf_writer.hpp"
#include "swathgrid/statistics.hpp"
#include "swathgrid/vector_isa.hpp"

namespace swathgrid {

ReduceMode resolve_reduce_mode(ReduceMode mode, const GridSpec& grid) {
  if (mode != ReduceMode::kAuto) return mode;
  return grid.cell_count() > kOwnerReduceMinCells ? ReduceMode::kOwner : ReduceMode::kRoot;
}

std::vector<std::int64_t> all_period_keys(const std::vector<Layer>& layers, PeriodKind kind,
                                          MPI_Comm comm) {
  if (kind == PeriodKind::kAll) return {0};
  std::ostringstream mine;
  for (const auto& [key, fields] : layers.front().periods) mine << key << ' ';
  std::set<std::int64_t> keys;
  for (const auto& text : allgather_strings(mine.str(), comm)) {
    std::istringstream in(text);
    for (std::int64_t key; in >> key;) keys.insert(key);
  }
  return {keys.begin(), keys.end()};
}

LocalTiles local_tiles(Layer& layer, std::int64_t key, const TileGrid& tiles) {
  LocalTiles local;
  const auto it = layer.periods.find(key);
  if (it == layer.periods.end()) return local;
  local.data = HostTiles(it->second);
  const std::vector<std::int64_t>& ids = it->second.allocated;
  for (std::size_t slot = 0; slot < ids.size(); ++slot)
    local.by_tile_row[ids[slot] / tiles.tiles_x].emplace_back(ids[slot],
                                                              static_cast<std::int64_t>(slot));
  layer.periods.erase(it);  // on a device, releases the device copy
  return local;
}

namespace {

/// Elements per point-to-point message: far below 2^31, so any amount goes in pieces.
constexpr std::int64_t kPieceElements = std::int64_t{1} << 27;
constexpr std::size_t kOffsetsPerWord = sizeof(std::int64_t) / sizeof(std::uint16_t);

/// A tile in the exchange's records: its id, its number n of cells with data, their offsets
/// (uint16, four to a word), then their values field-major (layout.count x n, wide: a narrow
/// tile's high sums widened). Only the cells with data travel: a third of a dense tile's
/// bytes on the global 0.01 degree case.
void append_record(std::vector<std::int64_t>& records, std::int64_t tile, const CellTile& cells,
                   const FieldLayout& layout) {
  const std::size_t n = cells.offsets.size();
  const std::size_t words = (n + kOffsetsPerWord - 1) / kOffsetsPerWord;
  const std::size_t at = records.size();
  records.resize(at + 2 + words + n * static_cast<std::size_t>(layout.count));  // zeroed
  records[at] = tile;
  records[at + 1] = static_cast<std::int64_t>(n);
  std::memcpy(&records[at + 2], cells.offsets.data(), n * sizeof(std::uint16_t));
  for (int f = 0; f < layout.count; ++f)
    cells.copy_field(layout, f, &records[at + 2 + words + static_cast<std::size_t>(f) * n]);
}

/// The record at `at` into `tile` and `cells`; returns where the next record starts.
std::size_t read_record(const std::vector<std::int64_t>& records, std::size_t at, int field_count,
                        std::int64_t& tile, CellTile& cells) {
  tile = records[at];
  const auto n = static_cast<std::size_t>(records[at + 1]);
  const std::size_t words = (n + kOffsetsPerWord - 1) / kOffsetsPerWord;
  cells.offsets.resize(n);
  std::memcpy(cells.offsets.data(), &records[at + 2], n * sizeof(std::uint16_t));
  const auto values = records.begin() + static_cast<std::ptrdiff_t>(at + 2 + words);
  cells.values.assign(values, values + static_cast<std::ptrdiff_t>(n * field_count));
  return at + 2 + words + n * static_cast<std::size_t>(field_count);
}

/// Combines the records `incoming` into the records `held`: a tile met before gets its cells
/// added (and gains those it lacked), a new one is added; the result is in tile order.
void merge_records(const std::vector<std::int64_t>& incoming, const FieldLayout& layout,
                   std::int64_t per_tile, std::vector<std::int64_t>& held) {
  std::map<std::int64_t, CellTile> tiles;
  std::int64_t tile = 0;
  for (std::size_t at = 0; at < held.size();) {
    CellTile cells;
    at = read_record(held, at, layout.count, tile, cells);
    tiles.emplace(tile, std::move(cells));
  }
  HostFields identity, wide;  // a tile met on both sides, wide, to merge in
  for (std::size_t at = 0; at < incoming.size();) {
    CellTile cells;
    at = read_record(incoming, at, layout.count, tile, cells);
    const auto [it, fresh] = tiles.try_emplace(tile, std::move(cells));
    if (fresh) continue;
    if (wide.size() == 0) {
      identity = make_dense_identity(layout, per_tile);
      wide = HostFields("swathgrid::merged_tile", layout.count, per_tile);
    }
    Kokkos::deep_copy(wide, identity);
    combine_cells(layout, cells, wide.data(), per_tile);  // try_emplace left `cells` as it was
    merge_cells(layout, per_tile, wide.data(), per_tile, it->second);
  }
  held.clear();
  for (const auto& [id, cells] : tiles) append_record(held, id, cells, layout);
}

/// Sends `send` to `partner` and returns what `partner` sent (any size: in pieces); a
/// negative partner on either side: that side is left out.
std::vector<std::int64_t> swap_with(const std::vector<std::int64_t>& send, int send_to,
                                    int receive_from, MPI_Comm comm) {
  constexpr int kCountTag = 71, kDataTag = 72;
  std::int64_t send_count = static_cast<std::int64_t>(send.size()), receive_count = 0;
  MPI_Sendrecv(
      &send_count, send_to >= 0 ? 1 : 0, MPI_INT64_T, send_to >= 0 ? send_to : MPI_PROC_NULL,
      kCountTag, &receive_count, receive_from >= 0 ? 1 : 0, MPI_INT64_T,
      receive_from >= 0 ? receive_from : MPI_PROC_NULL, kCountTag, comm, MPI_STATUS_IGNORE);
  if (send_to < 0) send_count = 0;
  if (receive_from < 0) receive_count = 0;
  std::vector<std::int64_t> received(static_cast<std::size_t>(receive_count));
  for (std::int64_t done_sent = 0, done_received = 0;
       done_sent < send_count || done_received < receive_count;) {
    const int out = static_cast<int>(std::min(kPieceElements, send_count - done_sent));
    const int in = static_cast<int>(std::min(kPieceElements, receive_count - done_received));
    MPI_Sendrecv(send.data() + done_sent, out, MPI_INT64_T, out > 0 ? send_to : MPI_PROC_NULL,
                 kDataTag, received.data() + done_received, in, MPI_INT64_T,
                 in > 0 ? receive_from : MPI_PROC_NULL, kDataTag, comm, MPI_STATUS_IGNORE);
    done_sent += out;
    done_received += in;
  }
  return received;
}

/// One tile row's copies onto its owner (exchange_step says how); `kept_bytes`: what the rank
/// already holds from this step, counted in `memory`'s peak.
std::vector<std::int64_t> exchange_tile_row(const LocalTiles& local, const FieldLayout& layout,
                                            const Ownership& own, std::int64_t tile_row,
                                            MPI_Comm comm, std::int64_t kept_bytes,
                                            ExchangeMemory* memory) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const std::int64_t per_tile = own.tiles.cells_per_tile();
  const int owner = own.owner_of(tile_row);
  const auto bytes_of = [](std::size_t values) {
    return static_cast<std::int64_t>(values * sizeof(std::int64_t));
  };
  // This rank's tiles of the row, unless it owns it (its own stay where they are), as the
  // records it sends: only their cells with data.
  std::vector<std::int64_t> held;
  const auto it = local.by_tile_row.find(tile_row);
  if (rank != owner && it != local.by_tile_row.end()) {
    std::vector<std::int64_t> wide;
    for (const auto& [tile, slot] : it->second) {
      if (local.data.cell_tiles) {
        append_record(held, tile, (*local.data.cell_tiles)[static_cast<std::size_t>(slot)], layout);
        continue;
      }
      wide.resize(static_cast<std::size_t>(layout.count * per_tile));
      local.data.expand(slot, wide.data());
      CellTile cells;
      merge_cells(layout, per_tile, wide.data(), per_tile, cells);
      append_record(held, tile, cells, layout);
    }
  }
  // A binomial tree rooted at the owner (MPI_Reduce's classic shape), over the sparse tiles:
  // rank v (counted from the owner) takes in the combined tiles of v + 1, v + 2, v + 4, ...
  // below its lowest set bit, then hands its own combination to v - that bit. A rank holds at
  // most its combination and one incoming message (each at most one tile row), and takes
  // part in at most log2 P + 1 exchanges, whatever the number of ranks.
  const int v = (rank - owner + size) % size;
  for (int bit = 1; bit < size; bit *= 2) {
    if (v & bit) {
      if (memory)
        memory->peak_bytes = std::max(memory->peak_bytes, kept_bytes + bytes_of(held.size()));
      swap_with(held, (v - bit + owner) % size, -1, comm);
      return {};
    }
    if (v + bit < size) {
      std::vector<std::int64_t> incoming = swap_with({}, -1, (v + bit + owner) % size, comm);
      if (held.empty()) {  // nothing to combine with: the message is the combination
        held = std::move(incoming);
        if (memory)
          memory->peak_bytes = std::max(memory->peak_bytes, kept_bytes + bytes_of(held.size()));
        continue;
      }
      merge_records(incoming, layout, per_tile, held);
      if (memory)
        memory->peak_bytes = std::max(
            memory->peak_bytes, kept_bytes + bytes_of(incoming.size()) + bytes_of(held.size()));
    }
  }
  return held;
}

}  // namespace

std::vector<std::int64_t> exchange_step(const LocalTiles& local, const FieldLayout& layout,
                                        const Ownership& own, std::int64_t step, MPI_Comm comm,
                                        ExchangeMemory* memory) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  inject_fault("exchange", "tile row step " + std::to_string(step));
  // One tree after the other: a rank holds its own row's result, one row on its way and one
  // message, however many owners there are; over all steps it takes part in one tree per
  // tile row of the grid, whatever the number of ranks.
  std::vector<std::int64_t> mine;
  for (int owner = 0; owner < size; ++owner) {
    const std::int64_t tile_row = own.row_at(owner, step);
    if (tile_row < 0) continue;
    std::vector<std::int64_t> records =
        exchange_tile_row(local, layout, own, tile_row, comm,
                          static_cast<std::int64_t>(mine.size() * sizeof(std::int64_t)), memory);
    if (owner == rank) mine = std::move(records);
  }
  return mine;
}

namespace {

/// Whether a cell with `observations` at `at` of the block counts among the cells with data
/// (DataCells), marking it.
inline bool newly_counted(const DataCells& data, std::int64_t observations, std::size_t at) {
  if (!data.counted || observations <= 0) return false;
  if (!data.marks) return true;
  char& mark = (*data.marks)[at];
  if (mark != 0) return false;
  mark = 1;
  return true;
}

/// A `cells` tile held by one copy (row0, col0: its first cell's row and column).
struct SingleCopy {
  const CellTile* cells = nullptr;
  std::int64_t row0 = 0, col0 = 0;

  /// Where the tile's cell at `offset` is in a block whose first cell is `first_cell` of the
  /// grid; -1 beyond the grid.
  std::int64_t place(std::uint16_t offset, const TileGrid& tiles, std::int64_t first_cell) const {
    const std::int64_t row = row0 + offset / tiles.tile_size;
    const std::int64_t col = col0 + offset % tiles.tile_size;
    if (row >= tiles.ny || col >= tiles.nx) return -1;
    return row * tiles.nx + col - first_cell;
  }
};

/// The means of n cells (PixelMean's, the same operations: the same floats) from their
/// PackedCount words and high sums, into out[n]: a loop of its own, so that the divisions
/// run side by side in vectors (one at a time, each waited for, they were a third of the
/// finalize's time; docs/performance.md, session 25). Observations fit an int32 (PackedCount)
/// and the low sums a uint32, so a narrow tile's cells convert in vectors of any width.
template <class High>
inline void cell_means(const std::int64_t* words, const High* high, std::size_t n,
                       double high_scale, double low_scale, float* __restrict out) {
  for (std::size_t j = 0; j < n; ++j) {
    const auto count = static_cast<std::int32_t>(PackedCount::observations(words[j]));
    const auto low = static_cast<std::uint32_t>(PackedCount::low_sum(words[j]));
    const double total =
        static_cast<double>(high[j]) * high_scale + static_cast<double>(low) * low_scale;
    const auto mean = static_cast<float>(total / static_cast<double>(count));
    out[j] = count > 0 ? mean : std::numeric_limits<float>::quiet_NaN();
  }
}

#if defined(SWATHGRID_X86_COPIES)
template <class High>
__attribute__((target("avx2"), noinline)) void cell_means_avx2(const std::int64_t* words,
                                                               const High* high, std::size_t n,
                                                               double hs, double ls, float* out) {
  cell_means(words, high, n, hs, ls, out);
}
template <class High>
__attribute__((target("avx512f,prefer-vector-width=512"), noinline)) void cell_means_avx512(
    const std::int64_t* words, const High* high, std::size_t n, double hs, double ls, float* out) {
  cell_means(words, high, n, hs, ls, out);
}
#endif

/// cell_means in the widest vectors `isa` allows.
template <class High>
void cell_means(VectorIsa isa, const std::int64_t* words, const High* high, std::size_t n,
                const ExactSum& scale, float* out) {
  const double hs = ExactSum::power_of_two(32 - scale.bits),
               ls = ExactSum::power_of_two(-scale.bits);
#if defined(SWATHGRID_X86_COPIES)
  if (isa == VectorIsa::avx512) return cell_means_avx512(words, high, n, hs, ls, out);
  if (isa == VectorIsa::avx2) return cell_means_avx2(words, high, n, hs, ls, out);
#endif
  static_cast<void>(isa);
  cell_means(words, high, n, hs, ls, out);
}

/// Whether pixel_mean_and_count finalizes a run's tiles held by one copy: mean and count (or
/// either) of pixel weighting.
bool pixel_mean_and_count_only(const Config& config) {
  return config.weighting == Weighting::kPixel &&
         std::all_of(config.stats.begin(), config.stats.end(),
                     [](Stat s) { return s == Stat::kMean || s == Stat::kCount; });
}

/// finalize_cells for the default statistics (pixel_mean_and_count_only) from each tile's
/// cells themselves: their means (cell_means: finalize_stats' values) and counts put in place
/// in a tile of each statistic that starts at the fill, copied into `block` row by row (the
/// whole tile: refill_block leaves those columns alone), and the cells counted (DataCells),
/// instead of the cells copied together, four passes of finalize_stats and a pass to put
/// them in place (the tile rows' finalize of a global 0.01 degree grid on one rank: ~0.6 s;
/// docs/performance.md, sessions 22 and 25). Returns the cells newly counted; nothing (the
/// caller's general path) for other statistics or weightings, or a count beyond the int32
/// output (which that path reports).
std::optional<std::int64_t> pixel_mean_and_count(const std::vector<SingleCopy>& singles,
                                                 std::int64_t first_cell, const FieldLayout& layout,
                                                 const TileGrid& tiles, const Config& config,
                                                 RowBlock& block, const DataCells& data) {
  if (!pixel_mean_and_count_only(config)) return std::nullopt;
  const bool has_sum = layout.has(kSumHi);
  const VectorIsa isa = vector_isa();
  const std::int64_t per_tile = tiles.cells_per_tile();
  // A cell's row and column in its tile without a division (marks only): o / tile_size is
  // (o * magic) >> 32 exactly for offsets o < 2^16 and tiles of at most 256.
  const auto tile_size = static_cast<std::uint32_t>(tiles.tile_size);
  const std::uint64_t magic = (std::uint64_t{1} << 32) / tile_size + 1;
  const std::size_t stat_count = config.stats.size();
  const auto tile_count = static_cast<std::int64_t>(singles.size());
  std::int64_t marked = 0, largest = 0;
#pragma omp parallel for schedule(dynamic) reduction(+ : marked) reduction(max : largest)
  for (std::int64_t t = 0; t < tile_count; ++t) {
    const SingleCopy& single = singles[static_cast<std::size_t>(t)];
    const CellTile& cells = *single.cells;
    const std::size_t n = cells.offsets.size();
    const std::int64_t* words = cells.row(layout, layout.slot[kObservations]);
    thread_local std::vector<float> means;
    if (has_sum) {
      means.resize(n);
      if (cells.narrow)
        cell_means(isa, words, cells.high.data(), n, layout.value_scale, means.data());
      else
        cell_means(isa, words, cells.row(layout, layout.slot[kSumHi]), n, layout.value_scale,
                   means.data());
    }
    // The whole tile, fill included, first in a tile of each statistic's own (cache-sized:
    // cells put in place by offset), then row by row into the block: scattered into the
    // block's rows, ~10 ns a cell went in store misses; docs/performance.md, session 25.
    thread_local std::vector<std::vector<float>> tile_values;
    thread_local std::vector<std::vector<std::int32_t>> tile_counts;
    tile_values.resize(stat_count);
    tile_counts.resize(stat_count);
    for (std::size_t s = 0; s < stat_count; ++s) {
      if (config.stats[s] == Stat::kCount) {
        tile_counts[s].assign(static_cast<std::size_t>(per_tile), 0);
        std::int32_t* out = tile_counts[s].data();
        for (std::size_t j = 0; j < n; ++j)
          out[cells.offsets[j]] = static_cast<std::int32_t>(layout.observations(words[j]));
      } else {
        tile_values[s].assign(static_cast<std::size_t>(per_tile), kOutputFillValue);
        float* out = tile_values[s].data();
        for (std::size_t j = 0; j < n; ++j)
          if (!std::isnan(means[j])) out[cells.offsets[j]] = means[j];
      }
    }
    const std::int64_t rows = std::min(tiles.tile_size, tiles.ny - single.row0);
    const std::int64_t columns = std::min(tiles.tile_size, tiles.nx - single.col0);
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t from = r * tiles.tile_size;
      const auto at =
          static_cast<std::size_t>((single.row0 + r) * tiles.nx + single.col0 - first_cell);
      for (std::size_t s = 0; s < stat_count; ++s) {
        if (config.stats[s] == Stat::kCount)
          std::copy_n(tile_counts[s].data() + from, columns, block.counts[s].data() + at);
        else
          std::copy_n(tile_values[s].data() + from, columns, block.values[s].data() + at);
      }
    }
    for (std::size_t j = 0; j < n; ++j) {
      const std::int64_t count = layout.observations(words[j]);
      largest = std::max(largest, count);
      if (!data.counted || !data.marks) {
        marked += data.counted && count > 0;
        continue;
      }
      const std::uint32_t offset = cells.offsets[j];
      const auto row = static_cast<std::uint32_t>((offset * magic) >> 32);
      const std::uint32_t column = offset - row * tile_size;
      const auto at = static_cast<std::size_t>((single.row0 + row) * tiles.nx + single.col0 +
                                               column - first_cell);
      if (newly_counted(data, count, at)) ++marked;
    }
  }
  if (largest > std::numeric_limits<std::int32_t>::max()) return std::nullopt;
  return marked;
}

/// finalize_tile_row's statistics of the tile row's `cells` tiles held by one copy, computed
/// for their cells with data alone, in one finalize_stats call for them all (one call per
/// tile launched ~4 tiny parallel kernels each: ~150,000 on the global 0.01 degree grid,
/// whose barriers kept the second thread spinning; docs/performance.md, session 16), and put
/// in place in `block`, whose other cells keep the fill. Returns the cells newly counted
/// (DataCells).
std::int64_t finalize_cells(const std::vector<SingleCopy>& singles, std::int64_t first_cell,
                            const FieldLayout& layout, const TileGrid& tiles, const Config& config,
                            RowBlock& block, const DataCells& data) {
  // Where each tile's cells start among all of them.
  std::vector<std::int64_t> starts(singles.size() + 1, 0);
  for (std::size_t t = 0; t < singles.size(); ++t)
    starts[t + 1] = starts[t] + static_cast<std::int64_t>(singles[t].cells->offsets.size());
  const std::int64_t total = starts.back();
  if (total == 0) return 0;
  const auto tile_count = static_cast<std::int64_t>(singles.size());
  if (const std::optional<std::int64_t> marked =
          pixel_mean_and_count(singles, first_cell, layout, tiles, config, block, data))
    return *marked;
  // Each tile's values are layout.count x n (field-major): row f of it goes to row f of all.
  HostFields fields(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::row_cells"),
                    layout.count, total);
#pragma omp parallel for schedule(dynamic)
  for (std::int64_t t = 0; t < tile_count; ++t) {
    const CellTile& cells = *singles[static_cast<std::size_t>(t)].cells;
    for (int f = 0; f < layout.count; ++f)
      cells.copy_field(layout, f, fields.data() + f * total + starts[static_cast<std::size_t>(t)]);
  }
  std::int64_t filled = 0;
  const std::vector<StatGrid> grids =
      finalize_stats(fields, layout, config.weighting, config.stats, &filled, config.stdev_form);
  // Tiles write disjoint cells of the block.
  std::int64_t marked = 0;
#pragma omp parallel for schedule(dynamic) reduction(+ : marked)
  for (std::int64_t t = 0; t < tile_count; ++t) {
    const SingleCopy& single = singles[static_cast<std::size_t>(t)];
    const auto& offsets = single.cells->offsets;
    for (std::size_t j = 0; j < offsets.size(); ++j) {
      const std::int64_t k = starts[static_cast<std::size_t>(t)] + static_cast<std::int64_t>(j);
      const std::int64_t place = single.place(offsets[j], tiles, first_cell);
      if (place < 0) continue;  // never: no data beyond the grid
      const auto at = static_cast<std::size_t>(place);
      for (std::size_t s = 0; s < grids.size(); ++s) {
        if (grids[s].is_count) {
          block.counts[s][at] = grids[s].counts[static_cast<std::size_t>(k)];
        } else {
          const float v = grids[s].values[static_cast<std::size_t>(k)];
          if (!std::isnan(v)) block.values[s][at] = v;
        }
      }
      if (newly_counted(data, layout.observations(fields(layout.slot[kObservations], k)), at))
        ++marked;
    }
  }
  return marked;
}

/// `spans` less `cut` (both ascending and disjoint).
ColumnSpans spans_without(const ColumnSpans& spans, const ColumnSpans& cut) {
  ColumnSpans rest;
  auto c = cut.begin();
  for (const auto& [begin, end] : spans) {
    std::int64_t from = begin;
    while (c != cut.end() && c->second <= from) ++c;
    for (auto k = c; k != cut.end() && k->first < end; ++k) {
      if (k->first > from) rest.emplace_back(from, k->first);
      from = std::max(from, k->second);
    }
    if (from < end) rest.emplace_back(from, end);
  }
  return rest;
}

/// Makes every cell of `block`'s vector of each statistic, for block.rows, hold the fill
/// (kOutputFillValue; 0 for counts): the last call's data_columns filled again, or (a first
/// call, a larger block) the whole vectors. Clears data_columns. Only the columns of the
/// tiles written before are written again (a tile row of the global 0.01 degree grid: 18 MB
/// a statistic, ~3/4 of it in columns without data), and of those not the columns `whole`,
/// which this call writes whole, fill included, in block.rows (pixel_mean_and_count).
void refill_block(RowBlock& block, const Config& config, std::int64_t nx,
                  const ColumnSpans& whole) {
  const auto cells = static_cast<std::size_t>(block.rows.row_count * nx);
  const ColumnSpans rest = spans_without(block.data_columns, whole);
  const auto refill = [&](auto& vector, auto fill) {
    if (vector.size() < cells) {
      vector.resize(cells);
      parallel_fill(vector.data(), vector.size(), fill);
      return;
    }
    const auto rows = static_cast<std::int64_t>(vector.size()) / nx;
    const std::int64_t written = std::min(block.written_rows, rows);
#pragma omp parallel for schedule(static)
    for (std::int64_t r = 0; r < written; ++r)
      for (const auto& [begin, end] : r < block.rows.row_count ? rest : block.data_columns)
        std::fill(vector.data() + r * nx + begin, vector.data() + r * nx + end, fill);
  };
  for (std::size_t s = 0; s < config.stats.size(); ++s) {
    if (is_count_stat(config.stats[s]))
      refill(block.counts[s], std::int32_t{0});
    else
      refill(block.values[s], kOutputFillValue);
  }
  block.data_columns.clear();
  block.written_rows = 0;
}

}  // namespace

std::int64_t finalize_tile_row(const LocalTiles& local, std::int64_t tile_row,
                               const std::vector<std::int64_t>& received, const FieldLayout& layout,
                               const TileGrid& tiles, const Config& config, RowBlock& block,
                               const DataCells& data) {
  inject_fault("reduce", "tile row " + std::to_string(tile_row));
  const std::int64_t per_tile = tiles.cells_per_tile();
  const std::int64_t first_cell = block.rows.row_begin * tiles.nx;
  // Several ranks may hold the same tile: group the copies by tile (this rank's own, if it
  // has one, by slot; the others' as received).
  struct Copies {
    std::int64_t local_slot = -1;
    std::vector<CellTile> received;
  };
  std::map<std::int64_t, Copies> copies_of_tile;
  if (const auto it = local.by_tile_row.find(tile_row); it != local.by_tile_row.end())
    for (const auto& [id, slot] : it->second) copies_of_tile[id].local_slot = slot;
  for (std::size_t at = 0; at < received.size();) {
    std::int64_t id = 0;
    CellTile from;
    at = read_record(received, at, layout.count, id, from);
    copies_of_tile[id].received.push_back(std::move(from));
  }
  // A tile of `cells` storage held by one rank alone (every tile of a one-rank run): its
  // statistics from its cells with data, not from the tile expanded (a global 0.01 degree
  // grid's tiles with data hold ~4x more cells than have data; docs/performance.md).
  const auto single_copy = [&](const Copies& copies) -> const CellTile* {
    if (copies.local_slot >= 0 && copies.received.empty() && local.data.cell_tiles)
      return &(*local.data.cell_tiles)[static_cast<std::size_t>(copies.local_slot)];
    if (copies.local_slot < 0 && copies.received.size() == 1) return &copies.received.front();
    return nullptr;
  };
  // The columns this call writes: its tiles' (ascending ids: ascending columns), joined; and
  // of those the columns pixel_mean_and_count writes whole, fill included.
  const auto add_columns = [&](ColumnSpans& spans, std::int64_t id) {
    const std::int64_t begin = id % tiles.tiles_x * tiles.tile_size;
    const std::int64_t end = std::min(begin + tiles.tile_size, tiles.nx);
    if (!spans.empty() && spans.back().second == begin)
      spans.back().second = end;
    else
      spans.emplace_back(begin, end);
  };
  ColumnSpans columns, whole;
  for (const auto& [id, copies] : copies_of_tile) {
    add_columns(columns, id);
    if (pixel_mean_and_count_only(config) && single_copy(copies)) add_columns(whole, id);
  }
  refill_block(block, config, tiles.nx, whole);
  block.data_columns = std::move(columns);
  block.written_rows = block.rows.row_count;
  std::vector<SingleCopy> singles;
  std::int64_t marked = 0;
  const HostFields identity = make_dense_identity(layout, per_tile);
  HostFields tile(Kokkos::view_alloc(Kokkos::WithoutInitializing, "swathgrid::tile"), layout.count,
                  per_tile);
  for (const auto& [id, copies] : copies_of_tile) {
    const std::int64_t row0 = id / tiles.tiles_x * tiles.tile_size;
    const std::int64_t col0 = id % tiles.tiles_x * tiles.tile_size;
    if (const CellTile* single = single_copy(copies)) {
      singles.push_back(SingleCopy{single, row0, col0});
      continue;
    }
    if (copies.local_slot >= 0)
      local.data.expand(copies.local_slot, tile.data());  // identity + the copy
    else
      Kokkos::deep_copy(tile, identity);
    for (const CellTile& copy : copies.received) combine_cells(layout, copy, tile.data(), per_tile);
    std::int64_t filled = 0;
    const std::vector<StatGrid> grids =
        finalize_stats(tile, layout, config.weighting, config.stats, &filled, config.stdev_form);
    // Row by row of the tile, the cells inside the grid (as TileGrid::cell_of, without its
    // divisions per cell).
    const std::int64_t rows = std::min(tiles.tile_size, tiles.ny - row0);
    const std::int64_t columns = std::min(tiles.tile_size, tiles.nx - col0);
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t from = r * tiles.tile_size;
      const auto at = static_cast<std::size_t>((row0 + r) * tiles.nx + col0 - first_cell);
      for (std::size_t s = 0; s < grids.size(); ++s) {
        if (grids[s].is_count) {
          std::copy_n(grids[s].counts.data() + from, columns, block.counts[s].data() + at);
          continue;
        }
        const float* values = grids[s].values.data() + from;
        float* out = block.values[s].data() + at;
        for (std::int64_t c = 0; c < columns; ++c)
          if (!std::isnan(values[c])) out[c] = values[c];
      }
      if (data.counted)
        for (std::int64_t c = 0; c < columns; ++c)
          if (newly_counted(data, layout.observations(tile(layout.slot[kObservations], from + c)),
                            at + static_cast<std::size_t>(c)))
            ++marked;
    }
  }
  return marked + finalize_cells(singles, first_cell, layout, tiles, config, block, data);
}

}  // namespace swathgrid
