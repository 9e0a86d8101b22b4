#pragma once
// The combine (docs/architecture.md): after the granule loop, every copy
// of an accumulator tile goes to the rank owning its tile row (along a binomial tree, copies
// combined on the way) (root: rank 0 owns all; owner:
// contiguous blocks of tile rows), which combines the copies and finalizes their statistics,
// one tile row at a time: no rank ever holds more than one tile row of statistics.

#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "driver/layers.hpp"
#include "swathgrid/config.hpp"
#include "swathgrid/netcdf_writer.hpp"

namespace swathgrid {

/// --reduce auto: grids up to this many cells funnel to rank 0; larger ones use owners.
inline constexpr std::int64_t kOwnerReduceMinCells = std::int64_t{1} << 24;

/// The mode --reduce auto stands for on `grid`.
ReduceMode resolve_reduce_mode(ReduceMode mode, const GridSpec& grid);

/// Sorted union of every rank's period keys (for --period all: just 0).
std::vector<std::int64_t> all_period_keys(const std::vector<Layer>& layers, PeriodKind kind,
                                          MPI_Comm comm);

/// The tile rows each rank owns. `root`: rank 0 owns all. `owner`: tile rows dealt out in
/// turn, rank r owning rows r, r + P, r + 2P, ... (P ranks), so that at each step the ranks
/// finalize and compress neighbouring rows, of similar amounts of data: with contiguous
/// blocks one rank's band could hold most of the swaths while the others waited for it at
/// every step's collective write (global 0.01 degree, 2 ranks: write ~4.2 -> ~3.5 s;
/// docs/performance.md, session 16).
struct Ownership {
  TileGrid tiles;
  bool root = false;  ///< rank 0 owns every row
  int ranks = 1;

  Ownership(const TileGrid& tile_grid, ReduceMode mode, int rank_count)
      : tiles(tile_grid), root(mode == ReduceMode::kRoot), ranks(rank_count) {}

  /// The rank owning tile row `tile_row` (0 <= tile_row < tiles.tiles_y).
  int owner_of(std::int64_t tile_row) const {
    return root ? 0 : static_cast<int>(tile_row % ranks);
  }
  /// How many tile rows `rank` owns.
  std::int64_t rows_of(int rank) const {
    if (root) return rank == 0 ? tiles.tiles_y : 0;
    return rank < tiles.tiles_y ? (tiles.tiles_y - rank + ranks - 1) / ranks : 0;
  }
  /// The tile row `rank` finalizes at step `step` (its step-th), or -1 past its last.
  std::int64_t row_at(int rank, std::int64_t step) const {
    if (step >= rows_of(rank)) return -1;
    return root ? step : rank + step * ranks;
  }
};

/// One layer's accumulators of one period on this rank, on the host (the device copy itself
/// when the device is the host), indexed by tile row.
struct LocalTiles {
  HostTiles data;
  /// (tile id, slot) of the tiles of each tile row.
  std::map<std::int64_t, std::vector<std::pair<std::int64_t, std::int64_t>>> by_tile_row;
};

/// Takes this rank's accumulators of period `key` out of `layer` (on a device, releasing the
/// device copy), indexed by tile row.
LocalTiles local_tiles(Layer& layer, std::int64_t key, const TileGrid& tiles);

/// What the exchange held at most on this rank (bytes of tile values in flight).
struct ExchangeMemory {
  std::int64_t peak_bytes = 0;
};

/// Step `step` of the exchange, collective: for each owner in turn, the copies of the tiles
/// of its step-th tile row held by the other ranks go to it along a binomial tree
/// (point-to-point pairs, log2 P rounds, copies combined on the way: MPI_Reduce's classic
/// shape over the sparse tiles); the owner's own tiles stay where they are. Returns this
/// rank's row's records from the others, one per tile, the combination of every other rank's
/// copy, only its cells with data (tile id, n, n uint16 offsets four to an int64, then
/// layout.count x n values, field-major: a third of a dense tile at 0.01 degree); nothing
/// when it owns no row at this step. A rank holds at most its row's result, one tile row on
/// its way and one incoming message: `memory` records its peak.
std::vector<std::int64_t> exchange_step(const LocalTiles& local, const FieldLayout& layout,
                                        const Ownership& own, std::int64_t step, MPI_Comm comm,
                                        ExchangeMemory* memory = nullptr);

/// The statistics of one layer and period over one block of rows, ready to write:
/// stat s of cell (row - rows.row_begin) * nx + column. Reused from call to call: the vectors
/// never shrink, and only the columns of the tiles a call wrote get the fill back at the next.
struct RowBlock {
  RowBand rows;
  /// Per float statistic (kOutputFillValue: no data); empty for a count statistic.
  std::vector<std::vector<float>> values;
  std::vector<std::vector<std::int32_t>> counts;  ///< per count statistic (0: no data)
  /// The columns of the tiles the last call put statistics in: every other cell of the
  /// vectors holds the fill (the writer's hint, CompositeWriter::write_rows).
  ColumnSpans data_columns;
  std::int64_t written_rows = 0;  ///< the rows the last call's data_columns span
};

/// How finalize_tile_row counts the tile row's cells with data (cells with observations).
struct DataCells {
  bool counted = false;  ///< false: not at all (a layer after the first)
  /// The block's cells counted by an earlier call (several periods: a cell may be finalized
  /// more than once); nullptr where every call finalizes other cells (one period), so that
  /// every cell with observations is counted, without a load and a store per cell.
  std::vector<char>* marks = nullptr;
};

/// Combines the copies of the tiles of one tile row (this rank's own, from `local`, and those
/// `received` from the others) tile by tile and finalizes their statistics into `block`.
/// Returns how many cells with observations it counted (`data`; marks them there when it
/// has marks, counting only those not marked before): summed over a tile row's calls, its
/// cells with data, without a pass over the row.
std::int64_t finalize_tile_row(const LocalTiles& local, std::int64_t tile_row,
                               const std::vector<std::int64_t>& received, const FieldLayout& layout,
                               const TileGrid& tiles, const Config& config, RowBlock& block,
                               const DataCells& data);

}  // namespace swathgrid
