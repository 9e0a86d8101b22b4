#include "checkpoint.hpp"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "checkpoint_file.hpp"
#include "checkpoint_identity.hpp"
#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"
#include "swathgrid/fault.hpp"
#include "swathgrid/log.hpp"

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

int rank_in(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

void write_text_atomically(const fs::path& path, const std::string& text) {
  const fs::path temporary = path.string() + ".tmp";
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  bool ok = file && std::fwrite(text.data(), 1, text.size(), file) == text.size() &&
            std::fflush(file) == 0 && ::fsync(fileno(file)) == 0;
  if (file) ok = std::fclose(file) == 0 && ok;
  if (!ok || std::rename(temporary.c_str(), path.c_str()) != 0)
    throw Error("checkpoint manifest " + path.string() + ": cannot write: " + std::strerror(errno));
}

/// Collective: the manifest in `config.checkpoint_dir` (epoch 0 when there is none), after
/// rank 0 created the directory and deleted what does not belong to the manifest's epoch.
/// Throws UsageError (every rank) when it is the checkpoint of a run with another identity.
Manifest read_manifest(const Config& config, const std::string& identity_text, MPI_Comm comm) {
  const fs::path dir(config.checkpoint_dir), path = dir / kManifestName;
  std::string text, error;
  if (rank_in(comm) == 0) {
    try {
      fs::create_directories(dir);
      std::ifstream in(path, std::ios::binary);
      if (in) text.assign(std::istreambuf_iterator<char>(in), {});
      delete_stale_files(dir, parse_manifest(text, path.string()).epoch);
    } catch (const std::exception& e) {
      error = "--checkpoint " + config.checkpoint_dir + ": " + e.what();
    }
  }
  agree_on_error(error, comm);
  broadcast_string(text, 0, comm);
  Manifest saved = parse_manifest(text, path.string());
  std::vector<std::string> identity;
  std::istringstream lines(identity_text);
  for (std::string line; std::getline(lines, line);) identity.push_back(line);
  if (saved.epoch > 0) check_same_run(saved.identity, identity, config.checkpoint_dir);
  return saved;
}

/// Collective: which granules the ranks' loaded files hold, each at most once (the same on
/// every rank; throws Error on every rank when a granule is held twice or out of range).
std::vector<bool> done_granules(const std::vector<std::size_t>& finished, std::size_t count,
                                const std::string& dir, MPI_Comm comm) {
  std::string mine;
  for (std::size_t index : finished) mine += std::to_string(index) + "\n";
  std::vector<bool> done(count, false);
  for (const auto& text : allgather_strings(mine, comm)) {
    std::istringstream in(text);
    for (std::size_t index; in >> index;) {
      if (index >= count || done[index])
        throw Error("--checkpoint " + dir +
                    ": damaged (a granule held twice or out of range); remove it to start over");
      done[index] = true;
    }
  }
  return done;
}

/// Collective, once every rank saved into `epoch`: rank 0 makes it the valid one and deletes
/// the files of other epochs.
void write_manifest(const std::string& dir, std::uint64_t epoch, int ranks, std::uint64_t identity,
                    const std::string& identity_text, MPI_Comm comm) {
  std::string error;
  if (rank_in(comm) == 0) {
    try {
      write_text_atomically(fs::path(dir) / kManifestName,
                            std::string(kManifestFormat) + "\nepoch " + std::to_string(epoch) +
                                "\nranks " + std::to_string(ranks) + "\nidentity " + hex(identity) +
                                "\n" + identity_text);
      delete_stale_files(dir, epoch);
    } catch (const std::exception& e) {
      error = "--checkpoint " + dir + ": " + e.what();
    }
  }
  agree_on_error(error, comm);
}

}  // namespace

void Checkpoint::prepare_directory(const Config& config, MPI_Comm comm) {
  if (config.checkpoint_dir.empty()) return;
  std::string error;
  if (rank_in(comm) == 0) {
    const fs::path probe = fs::path(config.checkpoint_dir) / ".swathgrid-write-test";
    std::error_code created;
    fs::create_directories(config.checkpoint_dir, created);
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      error = "--checkpoint " + config.checkpoint_dir + ": cannot write in it: " +
              (created ? created.message() : std::string(std::strerror(errno)));
    else {
      ::close(fd);
      ::unlink(probe.c_str());
    }
  }
  agree_on_error(error, comm);
}

Checkpoint::Checkpoint(const Config& config, std::vector<Layer>& layers, MPI_Comm comm)
    : config_(config), comm_(comm), enabled_(!config.checkpoint_dir.empty()) {
  MPI_Comm_rank(comm, &rank_);
  MPI_Comm_size(comm, &ranks_);
  const std::vector<std::uint64_t> sizes = granule_sizes(config.granules, comm);
  std::vector<bool> done(config.granules.size(), false);
  if (enabled_) {
    if (const char* slow = std::getenv("SWATHGRID_TEST_SLOW_GRANULE_MS"))
      slow_granule_ms_ = std::atoi(slow);
    std::string identity_text;
    for (const auto& line : checkpoint_identity(config, sizes)) identity_text += line + "\n";
    identity_ = fnv1a(kFnvOffsetBasis, identity_text.data(), identity_text.size());
    const Manifest saved = read_manifest(config, identity_text, comm);

    // Any rank loads any file: rank r takes files r, r + ranks, ... (accumulators just add).
    const TileGrid tiles(config.tile_size, config.grid.spec.nx, config.grid.spec.ny);
    std::string error;
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
    done = done_granules(finished_, config.granules.size(), config.checkpoint_dir, comm);

    // A new epoch: every rank that holds something saves it, then the manifest switches.
    epoch_ = saved.epoch + 1;
    try {
      if (!finished_.empty()) save(layers, restored_);
    } catch (const std::exception& e) {
      error = e.what();
    }
    agree_on_error(error, comm);
    write_manifest(config.checkpoint_dir, epoch_, ranks_, identity_, identity_text, comm);
    install_sigterm_handler();  // last: a constructor that throws leaves SIGTERM as it was
    if (saved.epoch > 0 && !config.quiet)
      log_root("resuming from checkpoint " + config.checkpoint_dir + ": " +
               std::to_string(std::count(done.begin(), done.end(), true)) + " of " +
               std::to_string(done.size()) + " granules done");
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
  inject_fault("checkpoint", "checkpoint file " + rank_file(epoch_, rank_));
  write_checkpoint_file(rank_file(epoch_, rank_),
                        CheckpointHeader{identity_, epoch_, rank_, ranks_}, layers, local,
                        finished_);
  unsaved_ = 0;
  last_save_ = Clock::now();
}

std::optional<std::size_t> Checkpoint::claim(GranuleSchedule& schedule, LocalResult& local) {
  try {
    if (enabled_ && sigterm_received != 0) {
      stopped_ = true;
      return std::nullopt;
    }
    return schedule.next();
  } catch (const std::exception& e) {
    local.error = e.what();
    return std::nullopt;
  }
}

bool Checkpoint::finish(std::size_t index, const std::vector<Layer>& layers, LocalResult& local) {
  if (!enabled_) return true;
  try {
    finished_.push_back(index);
    ++unsaved_;
    if (slow_granule_ms_ > 0) {  // tests: a slow granule (a signal cuts it short)
      const timespec pause{slow_granule_ms_ / 1000, (slow_granule_ms_ % 1000) * 1000000L};
      nanosleep(&pause, nullptr);
    }
    const CheckpointInterval& every = config_.checkpoint_every;
    const double since_save = std::chrono::duration<double>(Clock::now() - last_save_).count();
    const bool due = (every.granules > 0 && unsaved_ >= static_cast<std::size_t>(every.granules)) ||
                     (every.seconds > 0 && since_save >= every.seconds);
    const bool stop = sigterm_received != 0;
    if (due || stop) save(layers, local);
    if (stop) stopped_ = true;
    return !stop;
  } catch (const std::exception& e) {
    local.error = e.what();
    return false;
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
