#pragma once
// Small helpers shared by the modules: joining names for messages and attributes, and the
// constant pi (one definition; M_PI is not standard C++17).

#include <string>
#include <vector>

namespace swathgrid {

inline constexpr double kPi = 3.14159265358979323846;

/// "a,b,c" (or with `separator`): lists of names in messages, attributes and checkpoints.
inline std::string join(const std::vector<std::string>& items, const std::string& separator = ",") {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
  return text;
}

}  // namespace swathgrid
