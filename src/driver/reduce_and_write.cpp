#include "driver/reduce_and_write.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "output/output_fields.hpp"
#include "reduce/tile_exchange.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/environment.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/host_parallel.hpp"
#include "swathgrid/periods.hpp"

namespace swathgrid {

namespace {

/// reduce_and_write's work, with the writer owned by the caller.
ReduceWriteResult reduce_and_write_into(const Config& config, const GridDefinition& grid,
                                        std::vector<Layer>& layers, OutputMetadata meta,
                                        const std::string& staged_output, MPI_Comm comm,
                                        std::optional<CompositeWriter>& writer) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const TileGrid tiles(config.tile_size, grid.spec.nx, grid.spec.ny);
  const Ownership own(tiles, resolve_reduce_mode(config.reduce, grid.spec), size);
  const auto keys = all_period_keys(layers, config.period, comm);
  if (config.period != PeriodKind::kAll)
    for (std::int64_t key : keys) {
      const Period p = period_from_key(key, config.period);
      meta.times.push_back(
          OutputTime{static_cast<double>(p.start_day), static_cast<double>(p.end_day), p.label});
    }
  set_time_coverage(meta);
  meta.wavelengths_nm = shared_wavelengths(layers);

  const std::vector<OutputField> fields = make_output_fields(config, layers);
  const std::size_t stat_count = config.stats.size();
  ReduceWriteResult result;
  auto write_start = std::chrono::steady_clock::now();
  const auto add_write_time = [&result, &write_start] {
    result.write_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - write_start).count();
  };
  OutputEncoding encoding = config.encoding;
  encoding.chunk_rows = std::min(encoding.chunk_rows, tiles.tile_size);  // one writer a chunk
  // A tile row a call: classic writes are queued, NetCDF-4's consecutive planes staged.
  encoding.max_block_rows = tiles.tile_size;
  encoding.values_filled = true;  // finalize_tile_row puts the fill where a statistic is NaN
  writer.emplace(config.output, grid, meta, fields, comm, staged_output, encoding);
  add_write_time();

  // What the granule loop freed (dense tiles, granule buffers) goes back to the system: the
  // exchange's buffers would otherwise add to it (global 0.01 degree, 2 ranks: peak RSS
  // ~675 MB -> ~540 MB per rank; docs/performance.md). A single rank exchanges nothing: its
  // write reuses that memory, already faulted in (global 0.01 degree, one rank: the same
  // peak RSS, reduce and write ~0.06 s shorter; docs/performance.md, session 24).
  if (size > 1) release_free_memory();
  // local[t][l]: this rank's tiles of layer l in period t.
  std::vector<std::vector<LocalTiles>> local(keys.size());
  for (std::size_t t = 0; t < keys.size(); ++t)
    for (Layer& layer : layers) local[t].push_back(local_tiles(layer, keys[t], tiles));

  // Tile row by tile row: every rank takes as many steps as the rank owning the most tile
  // rows, so that all make the same collective calls; a rank past its own rows takes part
  // with nothing. Memory: one tile row of statistics, never the whole band.
  const std::int64_t owned = own.rows_of(rank);
  const auto steps = static_cast<std::int64_t>(allreduce_max(static_cast<double>(owned), comm));
  std::int64_t cells_with_data = 0;
  ExchangeMemory exchange_memory;
  RowBlock block;
  block.values.resize(stat_count);
  block.counts.resize(stat_count);
  // The cells with data, counted in the first layer: with several periods a cell may be
  // finalized more than once, and is counted once (marks, any period); with one, never twice.
  std::vector<char> has_data;
  const bool marked = keys.size() > 1;
  for (std::int64_t step = 0; step < steps; ++step) {
    const std::int64_t tile_row = own.row_at(rank, step);  // -1: none
    block.rows = RowBand{};
    if (tile_row >= 0) {
      block.rows.row_begin = tile_row * tiles.tile_size;
      block.rows.row_count = std::min(tiles.tile_size, tiles.ny - block.rows.row_begin);
    }
    if (marked) {
      has_data.resize(static_cast<std::size_t>(block.rows.row_count * tiles.nx));
      parallel_fill(has_data.data(), has_data.size(), char{0});
    }
    for (std::size_t t = 0; t < keys.size(); ++t) {
      for (std::size_t l = 0; l < layers.size(); ++l) {
        const Layer& layer = layers[l];
        const std::vector<std::int64_t> received =
            exchange_step(local[t][l], layer.layout, own, step, comm, &exchange_memory);
        std::string error;
        try {
          const DataCells data{l == 0, marked ? &has_data : nullptr};
          cells_with_data += finalize_tile_row(local[t][l], tile_row, received, layer.layout, tiles,
                                               config, block, data);
        } catch (const std::exception& e) {
          error = e.what();
        }
        agree_on_error(error, comm);
        write_start = std::chrono::steady_clock::now();
        for (std::size_t s = 0; s < stat_count; ++s) {
          const std::size_t field = layer.variable * stat_count + s;
          if (fields[field].is_count)
            writer->write_rows(field, t, layer.band, block.rows, block.counts[s].data(),
                               &block.data_columns);
          else
            writer->write_rows(field, t, layer.band, block.rows, block.values[s].data(),
                               &block.data_columns);
        }
        add_write_time();
      }
    }
  }
  write_start = std::chrono::steady_clock::now();
  writer->commit();
  add_write_time();
  result.cells_with_data = allreduce_sum(cells_with_data, comm);
  result.exchange_peak_bytes = exchange_memory.peak_bytes;
  return result;
}

}  // namespace

ReduceWriteResult reduce_and_write(const Config& config, const GridDefinition& grid,
                                   std::vector<Layer>& layers, OutputMetadata meta,
                                   const std::string& staged_output, MPI_Comm comm) {
  // The writer's destructor makes collective calls: a rank failing here alone (outside the
  // agreed steps: the tile exchange, an unexpected exception) must not reach it while the
  // others wait in another collective call, so it is destroyed after this check.
  std::optional<CompositeWriter> writer;
  try {
    return reduce_and_write_into(config, grid, layers, std::move(meta), staged_output, comm,
                                 writer);
  } catch (const std::exception& e) {
    fail_together(kExitFailure, std::string("error: ") + e.what());
    throw;
  }
}

}  // namespace swathgrid
