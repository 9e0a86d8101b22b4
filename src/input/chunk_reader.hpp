#pragma once
// Direct chunk reads: an optimisation of h5::read_rows (../shared/pace-l2-format.md, "Storage":
// "direct chunk reads are an optimisation that must fall back"). The raw chunks a row range
// needs are read with H5Dread_chunk, inflated with libdeflate (faster than zlib, no HDF5
// filter-pipeline buffers) on the process's OpenMP threads, unshuffled and copied into place.
//
// Taken only where it gives exactly the bytes H5Dread gives: a 2-D or 3-D chunked dataset
// whose filter pipeline is deflate or shuffle + deflate, read into its own type (no
// conversion), rows with stride 1, every needed chunk stored with every filter applied and
// inflating to exactly one chunk. Anything else (other filters such as fletcher32 or szip,
// unwritten chunks, conversions, strided rows, a build without libdeflate) is left to H5Dread.

#include <hdf5.h>

#include "hdf5_util.hpp"

namespace swathgrid::h5 {

/// True when the build has libdeflate (otherwise read_rows_direct always declines).
bool direct_chunk_reads_available();

/// Reads `rows` of `dataset` into `buffer` (rows.count * row_elements(shape) elements of
/// `mem_type`, row order) as read_rows does, bypassing HDF5's filter pipeline. Returns false
/// when the dataset or the request does not qualify (see above) or a chunk does not decode;
/// `buffer` is then unspecified and the caller reads it through H5Dread. Throws Error (a
/// cause, without the dataset's name) when the chunk index gives sizes no valid file has.
bool read_rows_direct(hid_t dataset, const Rows& rows, hid_t mem_type, void* buffer);

}  // namespace swathgrid::h5
