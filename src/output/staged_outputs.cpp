// StagedOutputs: hidden temporary files created before the run, renamed together after it
// (include/swathgrid/staged_outputs.hpp).

#include "swathgrid/staged_outputs.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "swathgrid/comm.hpp"
#include "swathgrid/error.hpp"

namespace swathgrid {

namespace {

namespace fs = std::filesystem;

constexpr const char* kPartialMarker = ".partial-";
constexpr std::size_t kHostNameMax = 256;

std::string os_cause() { return std::strerror(errno); }

std::string host_name() {
  char name[kHostNameMax] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "host";
  return name;
}

fs::path directory_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

/// "<host>-<pid>-<clock>" of this process.
std::string make_token() {
  std::ostringstream token;
  token << host_name() << '-' << ::getpid() << '-' << std::hex
        << std::chrono::steady_clock::now().time_since_epoch().count();
  return token.str();
}

/// True when the token "<host>-<pid>-<clock>" (or the older "<pid>-<clock>") names a process
/// of this host that no longer runs.
bool owner_is_gone(const std::string& token, const std::string& host) {
  const auto clock_dash = token.rfind('-');
  if (clock_dash == std::string::npos || clock_dash == 0) return false;
  const auto pid_dash = token.rfind('-', clock_dash - 1);
  const std::string pid_text = pid_dash == std::string::npos
                                   ? token.substr(0, clock_dash)
                                   : token.substr(pid_dash + 1, clock_dash - pid_dash - 1);
  const std::string owner_host = pid_dash == std::string::npos ? host : token.substr(0, pid_dash);
  if (owner_host != host || pid_text.empty()) return false;
  char* end = nullptr;
  const long pid = std::strtol(pid_text.c_str(), &end, 10);
  if (*end != '\0' || pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

/// ".<name>.partial-" of `path`, with ':' in the name as '_': MPI-IO (ROMIO) reads the text
/// before a colon as a file-system type ("ufs:", "lustre:"), and NASA-style names such as
/// chl_2024-05-01T12:00.nc have one. Only the temporary is renamed; the output keeps its name.
std::string staged_prefix(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  std::replace(name.begin(), name.end(), ':', '_');
  return "." + name + kPartialMarker;
}

std::string staged_name(const std::string& path, const std::string& token) {
  return (fs::path(path).parent_path() / (staged_prefix(path) + token)).string();
}

/// make_token() of rank 0, on every rank.
std::string shared_token(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  std::string token = rank == 0 ? make_token() : std::string();
  broadcast_string(token, 0, comm);
  return token;
}

}  // namespace

void sync_file(const std::string& path, const std::string& label) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(label + ": cannot open to sync: " + os_cause());
  const bool synced = ::fsync(fd) == 0;
  const std::string cause = synced ? std::string() : os_cause();
  if (::close(fd) != 0 && synced) throw Error(label + ": " + os_cause());
  if (!synced) throw Error(label + ": " + cause);
}

void sync_directory(const std::string& directory, const std::string& label) {
  const std::string name = directory.empty() ? std::string(".") : directory;
  const int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // some file systems do not let a directory be opened
  const bool synced = ::fsync(fd) == 0 || errno == EINVAL || errno == EROFS;
  const std::string cause = synced ? std::string() : os_cause();
  ::close(fd);
  if (!synced) throw Error(label + ": syncing directory " + directory + ": " + cause);
}

void reserve_disk_space(int fd, long long bytes, const std::string& label) {
  if (bytes <= 0) return;
  if (::fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, static_cast<off_t>(bytes)) == 0) return;
  if (errno == EOPNOTSUPP || errno == ENOSYS || errno == EINTR) return;  // cannot tell here
  const std::string cause = os_cause();
  std::ostringstream size;
  size.precision(3);
  size << static_cast<double>(bytes) / 1e6;
  throw Error(label + ": " + cause + " (the file needs " + size.str() + " MB)");
}

std::string make_staged_name(const std::string& path, MPI_Comm comm) {
  return staged_name(path, shared_token(comm));
}

int remove_leftovers(const std::string& path, bool all_hosts) {
  const std::string prefix = staged_prefix(path);
  const std::string host = host_name();
  std::error_code error;
  int removed = 0;
  for (fs::directory_iterator it(directory_of(path), error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!all_hosts && !owner_is_gone(name.substr(prefix.size()), host)) continue;
    std::error_code ignored;
    if (fs::remove(it->path(), ignored)) ++removed;
  }
  return removed;
}

StagedOutputs::StagedOutputs(const std::vector<std::pair<std::string, std::string>>& outputs,
                             bool leftovers_of_all_hosts, MPI_Comm comm)
    : comm_(comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  root_ = rank == 0;
  const std::string token = shared_token(comm);
  for (const auto& [label, path] : outputs)
    outputs_.push_back(Output{label, path, staged_name(path, token)});
  std::string error;
  if (root_) {
    for (const Output& output : outputs_) {
      remove_leftovers(output.path, leftovers_of_all_hosts);
      std::error_code ignored;
      if (fs::is_directory(output.path, ignored)) {
        error = output.label + " " + output.path + ": is a directory";
        break;
      }
      const int fd = ::open(output.staged.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd < 0) {
        error = output.label + " " + output.path + ": cannot create a file in " +
                directory_of(output.path).string() + ": " + os_cause();
        break;
      }
      ::close(fd);
    }
  }
  try {
    agree_on_error(error, comm);
  } catch (...) {
    if (root_)
      for (const Output& output : outputs_) {
        std::error_code ignored;
        fs::remove(output.staged, ignored);
      }
    throw;
  }
}

StagedOutputs::~StagedOutputs() {
  if (!root_ || published_) return;
  for (const Output& output : outputs_) {
    std::error_code ignored;
    fs::remove(output.staged, ignored);
  }
}

const std::string& StagedOutputs::staged(const std::string& path) const {
  for (const Output& output : outputs_)
    if (output.path == path) return output.staged;
  throw Error("internal: " + path + " is not a staged output");
}

void StagedOutputs::publish() {
  std::string error;
  if (root_) {
    try {
      for (const Output& output : outputs_)
        sync_file(output.staged, output.label + " " + output.path);
      // The first output (the netCDF file) last: its companions are in place when it appears.
      for (auto it = outputs_.rbegin(); it != outputs_.rend(); ++it)
        if (std::rename(it->staged.c_str(), it->path.c_str()) != 0)
          throw Error(it->label + " " + it->path +
                      ": cannot rename the finished file to it: " + os_cause());
      for (const Output& output : outputs_)
        sync_directory(directory_of(output.path).string(), output.label + " " + output.path);
    } catch (const std::exception& e) {
      error = e.what();
    }
    published_ = error.empty();
  }
  agree_on_error(error, comm_);
}

}  // namespace swathgrid
