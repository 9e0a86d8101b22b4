#pragma once
// A corpus of bad granules, made by the tests themselves: a small good granule written by the
// synthetic generator, then copies damaged with the HDF5 C API or by byte edits (truncated,
// not HDF5, missing group or variable, wrong type or shape, corrupt compressed data, a damaged
// chunk index, missing or unparsable time_coverage_start), plus granules that are odd but usable
// (all fill, NaN and out-of-range coordinates). Used by test_bad_inputs (the reader),
// make_bad_granules (the command-line and MPI tests) and the fuzzer's seed corpus.

#include <string>
#include <vector>

namespace swathgrid::test {

/// How the program treats a corpus granule.
enum class BadKind {
  kReadError,  ///< read_granule throws: a message naming the file and `cause`
  kTimeError,  ///< reads fine; fails only where a period needs time_coverage_start
  kUsable,     ///< reads fine (contributes its valid pixels, maybe none)
};

struct BadGranule {
  std::string name;   ///< file name, e.g. "truncated.nc"
  std::string path;   ///< in the corpus directory
  BadKind kind = BadKind::kReadError;
  std::string cause;  ///< what the message says after "granule <path>: " ("" when usable)
};

/// Time of the good granule of the corpus (its date is a day of the e2e campaign).
inline constexpr const char* kCorpusTime = "2024-08-02T17:40:00.000Z";

/// Writes `dir`/good.nc (lines x pixels, near -75 E 38.5 N, chlor_a/poc/carbon_phyto and
/// l2_flags) and the damaged copies beside it; returns the damaged ones (not good.nc).
std::vector<BadGranule> write_bad_corpus(const std::string& dir, std::size_t lines = 120,
                                         std::size_t pixels = 100);

/// The bytes of a file.
std::string read_bytes(const std::string& path);

}  // namespace swathgrid::test
