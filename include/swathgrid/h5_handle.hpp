#pragma once
// One RAII type for HDF5 identifiers, shared by the granule reader (src/input) and the
// granule generator (src/synth): owns a hid_t and closes it with the matching H5*close.

#include <hdf5.h>

#include <string>
#include <utility>

namespace swathgrid {

class H5Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Handle() = default;
  H5Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  H5Handle(H5Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  H5Handle& operator=(H5Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  H5Handle(const H5Handle&) = delete;
  H5Handle& operator=(const H5Handle&) = delete;
  ~H5Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Closes now; returns the close status (negative on failure).
  herr_t reset() {
    herr_t status = 0;
    if (id_ >= 0 && closer_) status = closer_(id_);
    id_ = H5I_INVALID_HID;
    return status;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// The innermost (most specific) message of HDF5's current error stack, which it clears, on
/// one line: a failed system call's own words where HDF5 quotes them ("file write failed:
/// time = ..., errno = 28, error message = 'No space left on device', ..." gives "file write
/// failed: No space left on device"); "" when the stack is empty.
inline std::string innermost_h5_error() {
  std::string reason;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* error, void* client) -> herr_t {
        if (n == 0 && error && error->desc) *static_cast<std::string*>(client) = error->desc;
        return 0;
      },
      &reason);
  H5Eclear2(H5E_DEFAULT);
  const std::string quoted = "error message = '";
  const std::size_t at = reason.find(quoted);
  if (at != std::string::npos) {
    const std::size_t from = at + quoted.size(), to = reason.find('\'', from);
    const std::size_t colon = reason.find(':');
    reason = reason.substr(0, std::min(colon, at)) + ": " + reason.substr(from, to - from);
  }
  for (char& c : reason)
    if (c == '\n') c = ' ';
  return reason;
}

}  // namespace swathgrid
