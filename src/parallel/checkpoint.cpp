#include "checkpoint.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <numeric>
#include <sstream>

#include "checkpoint_file.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/log.hpp"
#include "swathgrid/version.hpp"

namespace fs = std::filesystem;

namespace swathgrid {

namespace {

constexpr const char* kManifestName = "swathgrid.checkpoint";
constexpr const char* kManifestFormat = "swathgrid checkpoint 1";
constexpr const char* kRankFilePrefix = "swathgrid.e";
constexpr int kManifestHeaderLines = 4;  // format, epoch, ranks, identity hash

volatile std::sig_atomic_t sigterm_received = 0;
struct sigaction previous_sigterm_action {};
bool handler_installed = false;

extern "C" void on_sigterm(int) { sigterm_received = 1; }

void install_sigterm_handler() {
  struct sigaction action {};
  action.sa_handler = on_sigterm;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // HDF5, MPI and file I/O carry on; the loop checks the flag
  sigterm_received = 0;
  sigaction(SIGTERM, &action, &previous_sigterm_action);
  handler_installed = true;
}

void restore_sigterm_action() {
  if (!handler_installed) return;
  sigaction(SIGTERM, &previous_sigterm_action, nullptr);
  handler_installed = false;
}

std::string hex(std::uint64_t value) {
  std::ostringstream text;
  text << std::hex << std::setw(16) << std::setfill('0') << value;
  return text.str();
}

std::string hash_text(const std::string& text) {
  return hex(fnv1a(kFnvOffsetBasis, text.data(), text.size()));
}

std::string join(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ",") + item;
  return text;
}

/// What identifies the result of a run, one "key value" line each: every argument that
/// changes the output's numbers or attributes, but not the schedule, rank count, --reduce,
/// -o or reports (the result is the same whatever they are). Granules by absolute path and
/// size in bytes.
std::vector<std::string> identity_lines(const Config& config,
                                        const std::vector<std::uint64_t>& sizes) {
  std::string granules;
  std::error_code error;
  const fs::path cwd = fs::current_path(error);
  for (std::size_t i = 0; i < config.granules.size(); ++i) {
    fs::path path(config.granules[i]);
    if (path.is_relative() && !error) path = cwd / path;
    granules += path.lexically_normal().string() + '\0' + std::to_string(sizes[i]) + '\n';
  }
  std::vector<std::string> stats;
  for (Stat s : config.stats) stats.push_back(stat_name(s));
  const GridSpec& g = config.grid.spec;
  std::ostringstream grid;
  grid << std::setprecision(17) << g.x_min << ' ' << g.y_max << ' ' << g.cell_size << ' ' << g.nx
       << ' ' << g.ny << " crs " << hash_text(config.grid.crs + '\n' + config.grid.crs_wkt);
  std::ostringstream distance;
  distance << std::setprecision(17) << config.max_distance_m;
  return {"version " + std::string(kVersion),
          "granules " + std::to_string(config.granules.size()) + " " + hash_text(granules),
          "variables " + join(config.variables),
          "grid " + grid.str(),
          "method " + config.method,
          "max_distance " + distance.str(),
          std::string("warp_convention ") + warp_convention_name(config.warp_convention),
          "weighting " + weighting_name(config.weighting),
          "period " + period_name(config.period),
          "stats " + join(stats),
          "flags " + config.flags_text,
          "tile " + std::to_string(config.tile_size),
          "on_error " + std::string(config.on_error == OnError::kSkip ? "skip" : "fail")};
}

struct Manifest {
  std::uint64_t epoch = 0;  ///< 0: no checkpoint yet
  int ranks = 0;
  std::vector<std::string> identity;
};

Manifest parse_manifest(const std::string& text, const std::string& path) {
  Manifest manifest;
  if (text.empty()) return manifest;
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const auto number = [&](std::size_t i, const char* key) {
    const std::string prefix = std::string(key) + " ";
    if (lines.size() <= i || lines[i].rfind(prefix, 0) != 0)
      throw Error(path + ": not a swathgrid checkpoint manifest (no '" + key + "' line)");
    return std::stoull(lines[i].substr(prefix.size()));
  };
  if (lines.empty() || lines[0] != kManifestFormat)
    throw Error(path + ": not a swathgrid checkpoint manifest of this version (expected '" +
                kManifestFormat + "')");
  manifest.epoch = number(1, "epoch");
  manifest.ranks = static_cast<int>(number(2, "ranks"));
  manifest.identity.assign(lines.begin() + kManifestHeaderLines, lines.end());
  return manifest;
}

/// UsageError naming the first identity line that differs.
void check_same_run(const std::vector<std::string>& saved, const std::vector<std::string>& ours,
                    const std::string& dir) {
  for (std::size_t i = 0; i < std::max(saved.size(), ours.size()); ++i) {
    const std::string a = i < saved.size() ? saved[i] : "", b = i < ours.size() ? ours[i] : "";
    if (a == b) continue;
    const std::string key = (a.empty() ? b : a).substr(0, (a.empty() ? b : a).find(' '));
    throw UsageError("--checkpoint " + dir + ": holds the checkpoint of a run with other " +
                     "arguments (" + key + ": '" + a.substr(std::min(a.size(), key.size() + 1)) +
                     "' there, '" + b.substr(std::min(b.size(), key.size() + 1)) +
                     "' here); rerun with the same arguments, or use another directory");
  }
}

/// Rank files of epochs other than `keep`, and temporary files: what an interrupted save or
/// an older checkpoint left. Deleted before anyone writes.
void delete_stale_files(const fs::path& dir, std::uint64_t keep) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const bool temporary = name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0;
    bool stale = temporary && name.rfind("swathgrid.", 0) == 0;
    if (name.rfind(kRankFilePrefix, 0) == 0 && !temporary)
      stale =
          std::strtoull(name.c_str() + std::string(kRankFilePrefix).size(), nullptr, 10) != keep;
    if (stale) fs::remove(entry.path());
  }
}

void write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.string() + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  bool ok = file && std::fwrite(text.data(), 1, text.size(), file) == text.size() &&
            std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
  if (file) ok = std::fclose(file) == 0 && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0)
    throw Error("checkpoint manifest " + path.string() + ": cannot write");
}

}  // namespace

Checkpoint::Checkpoint(const Config& config, std::vector<Layer>& layers, MPI_Comm comm)
    : config_(config), comm_(comm), enabled_(!config.checkpoint_dir.empty()) {
  MPI_Comm_rank(comm, &rank_);
  MPI_Comm_size(comm, &ranks_);
  const std::vector<std::uint64_t> sizes = granule_sizes(config.granules, comm);
  std::vector<bool> done(config.granules.size(), false);
  if (enabled_) {
    if (const char* slow = std::getenv("SWATHGRID_TEST_SLOW_GRANULE_MS"))
      slow_granule_ms_ = std::atoi(slow);
    const fs::path dir(config.checkpoint_dir);
    const std::vector<std::string> identity = identity_lines(config, sizes);
    std::string identity_text;
    for (const auto& line : identity) identity_text += line + "\n";
    identity_ = fnv1a(kFnvOffsetBasis, identity_text.data(), identity_text.size());

    // Rank 0 reads the manifest and clears what does not belong to its epoch.
    std::string text, error;
    if (rank_ == 0) {
      try {
        fs::create_directories(dir);
        std::ifstream in(dir / kManifestName, std::ios::binary);
        if (in) text.assign(std::istreambuf_iterator<char>(in), {});
        delete_stale_files(dir, parse_manifest(text, (dir / kManifestName).string()).epoch);
      } catch (const std::exception& e) {
        error = "--checkpoint " + config.checkpoint_dir + ": " + e.what();
      }
    }
    agree_on_error(error, comm);
    broadcast_string(text, 0, comm);
    const Manifest saved = parse_manifest(text, (dir / kManifestName).string());
    if (saved.epoch > 0) check_same_run(saved.identity, identity, config.checkpoint_dir);

    // Any rank loads any file: rank r takes files r, r + ranks, ... (accumulators just add).
    const TileGrid tiles(config.tile_size, config.grid.spec.nx, config.grid.spec.ny);
    try {
      for (int f = rank_; saved.epoch > 0 && f < saved.ranks; f += ranks_) {
        const std::string path = rank_file(saved.epoch, f);
        if (fs::exists(path))  // absent: that rank had saved nothing
          merge_checkpoint_file(path, CheckpointHeader{identity_, saved.epoch, f, saved.ranks},
                                tiles, layers, restored_, finished_);
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
    agree_on_error(error, comm);
    std::string mine;
    for (std::size_t index : finished_) mine += std::to_string(index) + "\n";
    for (const auto& text_of_rank : allgather_strings(mine, comm)) {
      std::istringstream in(text_of_rank);
      for (std::size_t index; in >> index;) {
        if (index >= done.size() || done[index])
          error = "--checkpoint " + config.checkpoint_dir +
                  ": damaged (a granule listed twice or out of range); remove it to start over";
        else
          done[index] = true;
      }
    }
    agree_on_error(error, comm);  // the same on every rank

    // A new epoch: every rank that holds something saves it, then the manifest switches.
    epoch_ = saved.epoch + 1;
    try {
      if (!finished_.empty()) save(layers, restored_);
    } catch (const std::exception& e) {
      error = e.what();
    }
    agree_on_error(error, comm);
    if (rank_ == 0) {
      try {
        write_text_atomically(dir / kManifestName, std::string(kManifestFormat) + "\nepoch " +
                                                       std::to_string(epoch_) + "\nranks " +
                                                       std::to_string(ranks_) + "\nidentity " +
                                                       hex(identity_) + "\n" + identity_text);
        delete_stale_files(dir, epoch_);
      } catch (const std::exception& e) {
        error = "--checkpoint " + config.checkpoint_dir + ": " + e.what();
      }
    }
    agree_on_error(error, comm);
    const auto done_count = static_cast<std::size_t>(std::count(done.begin(), done.end(), true));
    install_sigterm_handler();  // last: a constructor that throws leaves SIGTERM as it was
    if (saved.epoch > 0 && !config.quiet)
      log_root("resuming from checkpoint " + config.checkpoint_dir + ": " +
               std::to_string(done_count) + " of " + std::to_string(done.size()) +
               " granules done");
  }
  for (std::size_t i = 0; i < done.size(); ++i) {
    if (done[i]) continue;
    remaining_.push_back(i);
    remaining_sizes_.push_back(sizes[i]);
  }
}

Checkpoint::~Checkpoint() { restore_sigterm_action(); }

std::string Checkpoint::rank_file(std::uint64_t epoch, int rank) const {
  return (fs::path(config_.checkpoint_dir) /
          (kRankFilePrefix + std::to_string(epoch) + ".r" + std::to_string(rank) + ".ckpt"))
      .string();
}

void Checkpoint::save(const std::vector<Layer>& layers, const LocalResult& local) {
  write_checkpoint_file(rank_file(epoch_, rank_),
                        CheckpointHeader{identity_, epoch_, rank_, ranks_}, layers, local,
                        finished_);
  unsaved_ = 0;
  last_save_ = Clock::now();
}

std::optional<std::size_t> Checkpoint::next(GranuleSchedule& schedule,
                                            std::optional<std::size_t> finished,
                                            const std::vector<Layer>& layers, LocalResult& local) {
  try {
    if (!enabled_) return schedule.next();
    if (finished) {
      finished_.push_back(*finished);
      ++unsaved_;
      if (slow_granule_ms_ > 0) {  // tests: a slow granule (a signal cuts it short)
        const timespec pause{slow_granule_ms_ / 1000, (slow_granule_ms_ % 1000) * 1000000L};
        nanosleep(&pause, nullptr);
      }
    }
    const CheckpointInterval& every = config_.checkpoint_every;
    const double since_save = std::chrono::duration<double>(Clock::now() - last_save_).count();
    const bool due = (every.granules > 0 && unsaved_ >= static_cast<std::size_t>(every.granules)) ||
                     (every.seconds > 0 && since_save >= every.seconds);
    const bool stop = sigterm_received != 0;
    if ((due || stop) && unsaved_ > 0) save(layers, local);
    if (stop) {
      stopped_ = true;
      return std::nullopt;
    }
    return schedule.next();
  } catch (const std::exception& e) {
    local.error = e.what();
    return std::nullopt;
  }
}

void Checkpoint::after_loop(const std::vector<Layer>& layers, const LocalResult& local) {
  if (!enabled_) return;
  std::string error;
  try {
    if (unsaved_ > 0) save(layers, local);
  } catch (const std::exception& e) {
    error = e.what();
  }
  agree_on_error(error, comm_);
  const bool interrupted = allreduce_sum((stopped_ || sigterm_received != 0) ? 1 : 0, comm_) > 0;
  if (!interrupted) {
    restore_sigterm_action();
    return;
  }
  const auto done = allreduce_sum(static_cast<std::int64_t>(finished_.size()), comm_);
  throw Interrupted("interrupted by SIGTERM: checkpoint of " + std::to_string(done) + " of " +
                    std::to_string(config_.granules.size()) + " granules written to " +
                    config_.checkpoint_dir + "; run the same command again to resume");
}

void Checkpoint::remove() {
  if (!enabled_ || rank_ != 0) return;
  try {  // the manifest first: without it the rest is stale
    const fs::path dir(config_.checkpoint_dir);
    fs::remove(dir / kManifestName);
    delete_stale_files(dir, 0);
  } catch (const std::exception& e) {
    log_root("warning: could not remove the checkpoint in " + config_.checkpoint_dir + ": " +
             e.what());
  }
}

}  // namespace swathgrid
