#include "quicklook_picture.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

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

// --- a 5 x 7 pixel font for the legend's labels ----------------------------------------------

constexpr int kGlyphWidth = 5, kGlyphHeight = 7, kGlyphAdvance = 6;

struct Glyph {
  char c;
  std::array<std::uint8_t, kGlyphHeight> rows;  ///< bit 4 is the leftmost pixel
};

constexpr Glyph kFont[] = {
    {'0', {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}},
    {'1', {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}},
    {'2', {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}},
    {'3', {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}},
    {'4', {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}},
    {'5', {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}},
    {'6', {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}},
    {'7', {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}},
    {'9', {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}},
    {'.', {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}},
    {'-', {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}},
    {'+', {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}},
    {'e', {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}},
    {'m', {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11}},
    {'g', {0x00, 0x00, 0x0F, 0x11, 0x0F, 0x01, 0x0E}},
    {'^', {0x04, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x00}},
    {' ', {0, 0, 0, 0, 0, 0, 0}},
};

const Glyph* glyph(char c) {
  for (const Glyph& g : kFont)
    if (g.c == c) return &g;
  return nullptr;
}

/// True when every character of `text` has a glyph.
bool drawable(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return glyph(c) != nullptr; });
}

int text_width(const std::string& text) {
  return text.empty() ? 0 : static_cast<int>(text.size()) * kGlyphAdvance - 1;
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
      const Glyph* g = glyph(c);
      for (int row = 0; row < kGlyphHeight; ++row)
        for (int col = 0; col < kGlyphWidth; ++col)
          if (g && (g->rows[row] >> (kGlyphWidth - 1 - col) & 1) && x + col >= 0 &&
              x + col < width_)
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

void draw_legend(Canvas& canvas, int width, int top, const QuicklookScale& scale,
                 const std::string& units) {
  constexpr int kMargin = 2, kBarRows = 10, kLabelTop = kMargin + kBarRows + 3;
  for (int y = top; y < top + kLegendRows; ++y)
    for (int x = 0; x < width; ++x) canvas.set(x, y, {255, 255, 255});
  const int bar_width = std::max(1, width - 2 * kMargin);
  for (int x = 0; x < bar_width; ++x) {
    const Rgb rgb = colour_at(bar_width > 1 ? static_cast<double>(x) / (bar_width - 1) : 0.5);
    for (int y = 0; y < kBarRows; ++y)
      canvas.set(std::min(kMargin + x, width - 1), top + kMargin + y, rgb);
  }
  const std::string low = label(scale.low), middle = label(scale_value(0.5, scale));
  std::string high = label(scale.high);
  if (!units.empty() && drawable(units)) high += " " + units;
  if (text_width(low) + text_width(middle) + text_width(high) + 16 > width)
    high = label(scale.high);
  if (text_width(low) + text_width(middle) + text_width(high) + 16 > width) return;
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
                                         const QuicklookScale& scale, const std::string& units) {
  std::vector<std::uint8_t> rgba(4 * static_cast<std::size_t>(width) * (height + kLegendRows), 0);
  Canvas canvas(rgba, width);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * width + x;
      if (valid[i]) canvas.set(x, y, colour_at(scale_position(values[i], scale)));
    }
  draw_legend(canvas, width, height, scale, units);
  return rgba;
}

bool uses_log_scale(const std::string& variable, const std::string& units) {
  if (units == "1") return false;  // counts (chlor_a_count, ...)
  return variable == "chlor_a" || variable.rfind("chlor_a_", 0) == 0 || units == "mg m^-3" ||
         units == "mg m-3";
}

}  // namespace swathgrid
