#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "swathgrid/comm.hpp"

namespace swathgrid {

namespace {

/// SWATHGRID_PROGRESS_INTERVAL (seconds) when set to a number >= 0, else `fallback`.
double interval_from_environment(double fallback) {
  const char* text = std::getenv("SWATHGRID_PROGRESS_INTERVAL");
  if (!text || !*text) return fallback;
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  return (end && *end == '\0' && seconds >= 0.0) ? seconds : fallback;
}

std::string format_duration(double seconds) {
  std::ostringstream text;
  const auto s = static_cast<long long>(std::llround(seconds));
  if (s < 60)
    text << s << " s";
  else if (s < 3600)
    text << s / 60 << " min " << std::setw(2) << std::setfill('0') << s % 60 << " s";
  else
    text << s / 3600 << " h " << std::setw(2) << std::setfill('0') << (s % 3600) / 60 << " min";
  return text.str();
}

}  // namespace

namespace {

int size_of(MPI_Comm comm) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  return size;
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

}  // namespace

GranuleProgress::GranuleProgress(std::size_t total, ScheduleKind schedule, bool quiet,
                                 MPI_Comm comm)
    : GranuleProgress(total, schedule, size_of(comm), !quiet && rank_of(comm) == 0, std::cerr,
                      stderr_is_terminal(),
                      interval_from_environment(stderr_is_terminal() ? kProgressTerminalIntervalS
                                                                     : kProgressIntervalS)) {}

GranuleProgress::GranuleProgress(std::size_t total, ScheduleKind schedule, int ranks, bool enabled,
                                 std::ostream& out, bool terminal, double interval_s)
    : total_(total),
      schedule_(schedule),
      ranks_(static_cast<std::size_t>(std::max(ranks, 1))),
      enabled_(enabled && total > 0),
      out_(out),
      terminal_(terminal),
      interval_s_(interval_s) {}

GranuleProgress::~GranuleProgress() {
  if (enabled_ && terminal_ && printed_) out_ << std::endl;
}

std::size_t GranuleProgress::done_estimate() const {
  if (own_claims_ == 0) return 0;
  const std::size_t own_done = own_claims_ - 1;  // the latest claim is not done yet
  const std::size_t estimate =
      schedule_ == ScheduleKind::kDynamic ? std::max(last_index_, own_done) : own_done * ranks_;
  return std::min(estimate, total_);
}

void GranuleProgress::claimed(std::size_t index, Clock::time_point now) {
  ++own_claims_;
  last_index_ = index;
  if (!enabled_) return;
  const double since_print = std::chrono::duration<double>(now - last_print_).count();
  const std::size_t done = done_estimate();
  if (done == 0 || since_print < interval_s_) return;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  last_print_ = now;
  printed_ = true;
  const std::string line = "swathgrid: " + format(done, total_, elapsed);
  if (terminal_)
    out_ << '\r' << line << "\x1b[K" << std::flush;  // erase what a longer line left
  else
    out_ << line << std::endl;
}

std::string GranuleProgress::format(std::size_t done, std::size_t total, double elapsed_s) {
  std::ostringstream text;
  const double rate = elapsed_s > 0.0 ? static_cast<double>(done) / elapsed_s : 0.0;
  text << "progress: " << done << "/" << total << " granules ("
       << (total > 0 ? 100 * done / total : 0) << " %), " << std::fixed << std::setprecision(2)
       << rate << " granules/s";
  if (rate > 0.0 && done < total)
    text << ", ETA " << format_duration(static_cast<double>(total - done) / rate);
  return text.str();
}

}  // namespace swathgrid
