// A minimal SVG line-plot writer for the report card (no dependencies).
#pragma once
#include <string>
#include <vector>

namespace r1::eval {

struct Series {
  std::string name;
  std::vector<double> x, y;  // same length; non-finite points are skipped
};

// A complete <svg> document: axes with min/max ticks, one polyline per series,
// a legend. Empty series are allowed (an "no data" plot).
std::string svg_line_plot(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                          const std::vector<Series>& series, int width = 640, int height = 360);

}  // namespace r1::eval
