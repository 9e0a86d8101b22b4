#include "quicklook_picture.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "quicklook_font.hpp"
#include "swathgrid/export.hpp"

namespace swathgrid {

namespace {

using Rgb = std::array<std::uint8_t, 3>;

/// Viridis, sampled at 10 evenly spaced points; colours between them are interpolated.
constexpr std::array<Rgb, 10> kViridis = {{{68, 1, 84},
                                           {72, 40, 120},
                                           {62, 74, 137},
                                           {49, 104, 142},
                                           {38, 130, 142},
                                           {31, 158, 137},
                                           {53, 183, 121},
                                           {110, 206, 88},
                                           {181, 222, 43},
                                           {253, 231, 37}}};

/// The colour at `t` in [0, 1] (clamped).
Rgb colour_at(double t) {
  t = std::clamp(t, 0.0, 1.0) * (kViridis.size() - 1);
  const auto i = std::min(static_cast<std::size_t>(t), kViridis.size() - 2);
  const double f = t - static_cast<double>(i);
  Rgb rgb;
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<std::uint8_t>(
        std::lround(kViridis[i][c] + f * (kViridis[i + 1][c] - kViridis[i][c])));
  return rgb;
}

/// Position of `value` on the scale, 0 (low) .. 1 (high), unclamped.
double scale_position(double value, const QuicklookScale& scale) {
  if (scale.log10) {
    if (!(value > 0.0)) return 0.0;
    const double lo = std::log10(scale.low), hi = std::log10(scale.high);
    return hi > lo ? (std::log10(value) - lo) / (hi - lo) : 0.5;
  }
  return scale.high > scale.low ? (value - scale.low) / (scale.high - scale.low) : 0.5;
}

/// The value at position `t` of the scale (inverse of scale_position).
double scale_value(double t, const QuicklookScale& scale) {
  if (scale.log10)
    return std::pow(10.0,
                    std::log10(scale.low) + t * (std::log10(scale.high) - std::log10(scale.low)));
  return scale.low + t * (scale.high - scale.low);
}

class Canvas {
 public:
  Canvas(std::vector<std::uint8_t>& rgba, int width) : rgba_(rgba), width_(width) {}
  void set(int x, int y, const Rgb& rgb, std::uint8_t alpha = 255) {
    std::uint8_t* p = &rgba_[4 * (static_cast<std::size_t>(y) * width_ + x)];
    p[0] = rgb[0];
    p[1] = rgb[1];
    p[2] = rgb[2];
    p[3] = alpha;
  }
  void text(int x, int y, const std::string& text) {
    for (char c : text) {
      const GlyphRows* g = glyph_rows(c);
      for (int row = 0; row < kGlyphHeight; ++row)
        for (int col = 0; col < kGlyphWidth; ++col)
          if (g && ((*g)[row] >> (kGlyphWidth - 1 - col) & 1) && x + col >= 0 && x + col < width_)
            set(x + col, y + row, {0, 0, 0});
      x += kGlyphAdvance;
    }
  }

 private:
  std::vector<std::uint8_t>& rgba_;
  int width_;
};

std::string label(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

constexpr int kMargin = 2;  // pixels around text and the colour bar

void fill_white(Canvas& canvas, int width, int top, int rows) {
  for (int y = top; y < top + rows; ++y)
    for (int x = 0; x < width; ++x) canvas.set(x, y, {255, 255, 255});
}

/// The title strip: `title` from the left, cut to the width (the font lacks a few characters:
/// those are left blank).
void draw_title(Canvas& canvas, int width, const std::string& title) {
  fill_white(canvas, width, 0, kTitleRows);
  std::string text = title;
  while (!text.empty() && text_width(text) > width - 2 * kMargin) text.pop_back();
  canvas.text(kMargin, (kTitleRows - kGlyphHeight) / 2, text);
}

/// The colour bar with its low, middle and high values and the units: after the high value
/// when they fit there, else in place of the middle value, else left out.
void draw_legend(Canvas& canvas, int width, int top, const QuicklookScale& scale,
                 const std::string& units) {
  constexpr int kBarRows = 10, kLabelTop = kMargin + kBarRows + 3;
  fill_white(canvas, width, top, kLegendRows);
  const int bar_width = std::max(1, width - 2 * kMargin);
  for (int x = 0; x < bar_width; ++x) {
    const Rgb rgb = colour_at(bar_width > 1 ? static_cast<double>(x) / (bar_width - 1) : 0.5);
    for (int y = 0; y < kBarRows; ++y)
      canvas.set(std::min(kMargin + x, width - 1), top + kMargin + y, rgb);
  }
  const std::string low = label(scale.low);
  std::string middle = label(scale_value(0.5, scale)), high = label(scale.high);
  const auto fits = [&] {
    return text_width(low) + text_width(middle) + text_width(high) + 16 <= width;
  };
  if (!units.empty() && drawable(units)) {
    high += " " + units;
    if (!fits()) {
      high = label(scale.high);
      middle = units;
    }
  }
  if (!fits()) middle = label(scale_value(0.5, scale));
  if (!fits()) return;
  canvas.text(kMargin, top + kLabelTop, low);
  canvas.text((width - text_width(middle)) / 2, top + kLabelTop, middle);
  canvas.text(width - kMargin - text_width(high), top + kLabelTop, high);
}

}  // namespace

QuicklookScale quicklook_scale(const std::vector<float>& values, const std::vector<bool>& valid,
                               bool log10) {
  std::vector<double> usable;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (valid[i] && (!log10 || values[i] > 0.0f)) usable.push_back(values[i]);
  QuicklookScale scale;
  scale.log10 = log10;
  if (usable.empty()) {
    scale.low = log10 ? 0.01 : 0.0;
    scale.high = log10 ? 10.0 : 1.0;
    return scale;
  }
  auto percentile = [&](double p) {
    const auto k = static_cast<std::size_t>(std::lround(p * (usable.size() - 1)));
    std::nth_element(usable.begin(), usable.begin() + k, usable.end());
    return usable[k];
  };
  scale.low = percentile(0.02);
  scale.high = percentile(0.98);
  return scale;
}

std::vector<std::uint8_t> quicklook_rgba(const std::vector<float>& values,
                                         const std::vector<bool>& valid, int width, int height,
                                         const QuicklookScale& scale, const std::string& units,
                                         const std::string& title) {
  const int rows = kTitleRows + height + kLegendRows;
  std::vector<std::uint8_t> rgba(4 * static_cast<std::size_t>(width) * rows, 0);
  Canvas canvas(rgba, width);
  draw_title(canvas, width, title);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * width + x;
      if (valid[i]) canvas.set(x, kTitleRows + y, colour_at(scale_position(values[i], scale)));
    }
  draw_legend(canvas, width, kTitleRows + height, scale, units);
  return rgba;
}

std::string quicklook_title(const QuicklookTitle& title) {
  std::string text = title.variable;
  if (title.has_wavelength) {
    char nm[32];
    std::snprintf(nm, sizeof nm, " %.5g nm", title.wavelength_nm);
    text += nm;
  }
  if (title.first_day.empty()) return text;
  text += ",";
  if (title.period == "day" || title.period == "month") text += " " + title.period;
  if (title.period == "8day") text += " 8-day";
  text += " " + title.first_day;
  if (!title.last_day.empty() && title.last_day != title.first_day) text += " to " + title.last_day;
  return text;
}

bool uses_log_scale(const std::string& variable, const std::string& units) {
  if (units == "1") return false;  // counts (chlor_a_count, ...)
  return variable == "chlor_a" || variable.rfind("chlor_a_", 0) == 0 || units == "mg m^-3" ||
         units == "mg m-3";
}

}  // namespace swathgrid
