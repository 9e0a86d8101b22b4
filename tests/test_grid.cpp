// Grid cell arithmetic: sizes, cell edges (half-open), antimeridian, bad boxes.

#include <gtest/gtest.h>

#include <limits>

#include "swathgrid/error.hpp"
#include "swathgrid/grid.hpp"

namespace swathgrid {
namespace {

TEST(Grid, SizeFromBoxAndResolution) {
  const GridSpec g = GridSpec::from_bbox(BBox{-77, 36, -73, 41}, 0.01);
  EXPECT_EQ(g.nx, 400);
  EXPECT_EQ(g.ny, 500);
  EXPECT_DOUBLE_EQ(g.x_center(0), -76.995);
  EXPECT_DOUBLE_EQ(g.y_center(0), 40.995);  // north-up: row 0 is the northernmost
  // A width that is not a whole number of cells grows to the next whole cell.
  const GridSpec h = GridSpec::from_bbox(BBox{0, 0, 1.05, 1}, 0.1);
  EXPECT_EQ(h.nx, 11);
  EXPECT_NEAR(h.x_max(), 1.1, 1e-12);
}

TEST(Grid, CellsAreHalfOpenAtEdges) {
  const GridSpec g = GridSpec::from_bbox(BBox{-10, -5, 10, 5}, 0.5);
  ASSERT_EQ(g.nx, 40);
  ASSERT_EQ(g.ny, 20);
  EXPECT_EQ(g.locate(-10.0, 5.0), 0);  // west and north edges belong to the grid
  EXPECT_EQ(g.locate(-9.5, 5.0), 1);   // a cell's west edge belongs to that cell
  EXPECT_EQ(g.locate(-9.5000001, 5.0), 0);
  EXPECT_EQ(g.locate(-10.0, 4.5), g.nx);  // a row's north edge belongs to that row
  EXPECT_EQ(g.locate(-10.0, 4.5000001), 0);
  EXPECT_EQ(g.locate(10.0, 0.0), -1);  // east edge is outside
  EXPECT_EQ(g.locate(0.0, -5.0), -1);  // south edge is outside
  EXPECT_EQ(g.locate(9.9999999, -4.9999999), g.cell_count() - 1);
  EXPECT_EQ(g.locate(-10.0000001, 0.0), -1);
  EXPECT_EQ(g.locate(0.0, 5.0000001), -1);
}

TEST(Grid, RejectsNaN) {
  const GridSpec g = GridSpec::from_bbox(BBox{}, 1.0);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(g.locate(nan, 0.0), -1);
  EXPECT_EQ(g.locate(0.0, nan), -1);
}

TEST(Grid, GlobalGridWrapsLongitudes) {
  const GridSpec g = GridSpec::from_bbox(BBox{-180, -90, 180, 90}, 1.0);
  EXPECT_EQ(g.nx, 360);
  EXPECT_EQ(g.locate(-180.0, 0.0) % g.nx, 0);
  EXPECT_EQ(g.locate(180.0, 0.0) % g.nx, 0);  // 180 is -180
  EXPECT_EQ(g.locate(179.5, 0.0) % g.nx, 359);
  EXPECT_EQ(g.locate(-90.0, -90.0), -1);  // the south pole edge is outside
  EXPECT_EQ(g.locate(0.0, 90.0) / g.nx, 0);
}

TEST(Grid, BoxAcrossTheAntimeridian) {
  const BBox box = parse_bbox("170,-10,-170,10");
  const GridSpec g = GridSpec::from_bbox(box, 1.0);
  EXPECT_EQ(g.nx, 20);
  EXPECT_EQ(g.locate(175.5, 0.0) % g.nx, 5);
  EXPECT_EQ(g.locate(-175.5, 0.0) % g.nx, 14);
  EXPECT_EQ(g.locate(-169.5, 0.0), -1);
  EXPECT_EQ(g.locate(169.5, 0.0), -1);
}

TEST(Grid, BadBoxesAndResolutionsAreUsageErrors) {
  EXPECT_THROW(parse_bbox("1,2,3"), UsageError);
  EXPECT_THROW(parse_bbox("a,2,3,4"), UsageError);
  EXPECT_THROW(parse_bbox("-77,41,-73,36"), UsageError);  // S > N
  EXPECT_THROW(parse_bbox("-77,36,-77,41"), UsageError);  // zero width
  EXPECT_THROW(parse_bbox("-77,-95,-73,41"), UsageError);
  EXPECT_THROW(GridSpec::from_bbox(BBox{}, 0.0), UsageError);
  EXPECT_THROW(GridSpec::from_bbox(BBox{}, -0.1), UsageError);
  try {
    parse_bbox("1,2,x,4");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--bbox"), std::string::npos);
  }
}

}  // namespace
}  // namespace swathgrid
