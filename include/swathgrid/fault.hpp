#pragma once
// Fault injection for the reliability tests (docs/reliability.md, tests/faults/): the
// environment variable SWATHGRID_FAULT="<stage>:<rank>[:alloc|:mpi]" makes that rank of
// MPI_COMM_WORLD fail at that stage, as a real fault there would: by throwing
// swathgrid::Error("<what>: injected fault at <stage>"), with ":alloc" std::bad_alloc, with
// ":mpi" by an MPI call that fails (a send to a rank that does not exist).
// Stages: read (a granule's read, as a corrupt chunk), regrid, checkpoint (a rank's save),
// reduce (computing the statistics of a tile row), exchange (before the tile exchange, where
// no agreement covers it: the other ranks are then in a collective call), store (a rank's
// part of a NetCDF-4 write with chunks written directly, before it reaches rank 0), write (the
// output's sync). Unset (every real run): one getenv at the first call, then nothing.

#include <string>

namespace swathgrid {

/// Throws as described above when SWATHGRID_FAULT names `stage` and this rank; `what` names
/// the thing being worked on (a granule, a file).
void inject_fault(const char* stage, const std::string& what);

}  // namespace swathgrid
