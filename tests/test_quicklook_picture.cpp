// The quicklook picture on plain arrays (no GDAL): the title strip holds the title's glyphs in
// black at their places, the legend holds the units, and the title text says variable,
// wavelength and period.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "output/quicklook_font.hpp"
#include "output/quicklook_picture.hpp"

namespace swathgrid {
namespace {

constexpr int kWidth = 300, kHeight = 20;

std::vector<std::uint8_t> picture(const std::string& units, const std::string& title) {
  std::vector<float> values(kWidth * kHeight);
  std::vector<bool> valid(values.size(), true);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 97) + 1.0f;
  return quicklook_rgba(values, valid, kWidth, kHeight, QuicklookScale{false, 1.0, 97.0}, units,
                        title);
}

bool black(const std::vector<std::uint8_t>& rgba, int x, int y) {
  const std::uint8_t* p = &rgba[4 * (static_cast<std::size_t>(y) * kWidth + x)];
  return p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 255;
}

long black_pixels(const std::vector<std::uint8_t>& rgba, int first_row, int rows) {
  long n = 0;
  for (int y = first_row; y < first_row + rows; ++y)
    for (int x = 0; x < kWidth; ++x) n += black(rgba, x, y);
  return n;
}

long glyph_pixels(const std::string& text) {
  long n = 0;
  for (char c : text) {
    const GlyphRows* g = glyph_rows(c);
    EXPECT_NE(g, nullptr) << "no glyph for '" << c << "'";
    if (g)
      for (std::uint8_t row : *g) n += __builtin_popcount(row);
  }
  return n;
}

TEST(QuicklookPicture, TitleStripHoldsTheTitlesGlyphsInPlace) {
  const std::string title = "Rrs 412 nm, 8-day 2024-08-01 to 2024-08-08";
  const auto rgba = picture("sr^-1", title);
  ASSERT_EQ(rgba.size(), 4u * kWidth * (kTitleRows + kHeight + kLegendRows));
  // Every pixel of the strip: black exactly where a glyph bit is (x = 2 + 6 k, y = 2 + row).
  const int top = (kTitleRows - kGlyphHeight) / 2;
  for (int y = 0; y < kTitleRows; ++y) {
    for (int x = 0; x < kWidth; ++x) {
      bool bit = false;
      const int k = (x - 2) / kGlyphAdvance, col = (x - 2) % kGlyphAdvance, row = y - top;
      if (x >= 2 && k < static_cast<int>(title.size()) && col < kGlyphWidth && row >= 0 &&
          row < kGlyphHeight)
        bit = ((*glyph_rows(title[k]))[row] >> (kGlyphWidth - 1 - col)) & 1;
      ASSERT_EQ(black(rgba, x, y), bit) << "x " << x << " y " << y;
      if (!bit) ASSERT_EQ(rgba[4 * (y * kWidth + x) + 3], 255) << "strip not opaque";
    }
  }
  EXPECT_EQ(black_pixels(rgba, 0, kTitleRows), glyph_pixels(title));
  EXPECT_EQ(black_pixels(picture("sr^-1", ""), 0, kTitleRows), 0);
}

TEST(QuicklookPicture, LongTitleIsCutToTheWidth) {
  const std::string title(200, 'W');  // 1199 pixels in a 300-pixel strip
  const auto rgba = picture("", title);
  const int fitting = (kWidth - 4 + 1) / kGlyphAdvance;
  EXPECT_EQ(black_pixels(rgba, 0, kTitleRows), glyph_pixels(std::string(fitting, 'W')));
}

TEST(QuicklookPicture, UnitsAreDrawnOnTheColourBar) {
  for (const std::string units : {"sr^-1", "mg m^-3", "1"}) {
    const long with = black_pixels(picture(units, "x"), kTitleRows + kHeight, kLegendRows);
    const long without = black_pixels(picture("", "x"), kTitleRows + kHeight, kLegendRows);
    EXPECT_EQ(with - without, glyph_pixels(units)) << units;
  }
}

TEST(QuicklookPicture, TitleSaysVariableWavelengthAndPeriod) {
  QuicklookTitle t{"chlor_a", "all", "2024-08-01", "2024-08-07"};
  EXPECT_EQ(quicklook_title(t), "chlor_a, 2024-08-01 to 2024-08-07");
  t = {"poc", "day", "2024-08-02", "2024-08-02"};
  EXPECT_EQ(quicklook_title(t), "poc, day 2024-08-02");
  t = {"Rrs", "8day", "2024-08-05", "2024-08-12", true, 412.5};
  EXPECT_EQ(quicklook_title(t), "Rrs 412.5 nm, 8-day 2024-08-05 to 2024-08-12");
  t = {"chlor_a_count", "month", "2024-08-01", "2024-08-31"};
  EXPECT_EQ(quicklook_title(t), "chlor_a_count, month 2024-08-01 to 2024-08-31");
  EXPECT_EQ(quicklook_title({"chlor_a"}), "chlor_a");
  EXPECT_TRUE(drawable(quicklook_title(t)));
}

}  // namespace
}  // namespace swathgrid
