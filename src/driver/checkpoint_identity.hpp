#pragma once
// What identifies the result of a --checkpoint run (docs/reliability.md, "Identity"): a
// restart whose identity differs from the checkpoint's is refused.

#include <cstdint>
#include <string>
#include <vector>

#include "swathgrid/config.hpp"

namespace swathgrid {

/// One "key value" line per argument that changes the output's numbers or attributes, but not
/// the schedule, rank count, --reduce, -o or reports (the result is the same whatever they
/// are). Granules by absolute path and size in bytes (`sizes`, one per granule).
std::vector<std::string> checkpoint_identity(const Config& config,
                                             const std::vector<std::uint64_t>& sizes);

/// Throws UsageError naming the first line of `saved` (the checkpoint's) that differs from
/// `ours`; `dir` is the --checkpoint directory.
void check_same_run(const std::vector<std::string>& saved, const std::vector<std::string>& ours,
                    const std::string& dir);

/// "%016x" of `value`.
std::string hex(std::uint64_t value);

}  // namespace swathgrid
