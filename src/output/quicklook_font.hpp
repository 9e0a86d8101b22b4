#pragma once
// A 5 x 7 pixel bitmap font (printable ASCII, after the HD44780 character ROM) for the text of
// quicklook pictures: titles, colour bar labels and units. No GDAL here.

#include <array>
#include <cstdint>
#include <string>

namespace swathgrid {

inline constexpr int kGlyphWidth = 5, kGlyphHeight = 7, kGlyphAdvance = 6;

/// One character: 7 rows of 5 pixels, bit 4 the leftmost.
using GlyphRows = std::array<std::uint8_t, kGlyphHeight>;

/// The glyph of `c`, or nullptr for a character the font lacks.
const GlyphRows* glyph_rows(char c);

/// True when every character of `text` has a glyph.
bool drawable(const std::string& text);

/// Width in pixels of `text` drawn with kGlyphAdvance per character.
inline int text_width(const std::string& text) {
  return text.empty() ? 0 : static_cast<int>(text.size()) * kGlyphAdvance - 1;
}

}  // namespace swathgrid
