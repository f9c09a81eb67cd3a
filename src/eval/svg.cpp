#include "eval/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace r1::eval {

static std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

static std::string num(double v) {
  char b[32];
  snprintf(b, sizeof b, "%.4g", v);
  return b;
}

std::string svg_line_plot(const std::string& title, const std::string& xlabel, const std::string& ylabel,
                          const std::vector<Series>& series, int W, int H) {
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (auto& s : series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); i++)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
        x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
        y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
      }
  bool empty = !(x0 <= x1);
  if (empty) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 - x0 < 1e-12) x1 = x0 + 1;
  if (y1 - y0 < 1e-12) y1 = y0 + 1, y0 -= 1;
  const double L = 70, R = 20, T = 36, B = 50;
  auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
  auto py = [&](double y) { return H - B - (y - y0) / (y1 - y0) * (H - T - B); };
  std::string o = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(W) + "\" height=\"" +
                  std::to_string(H) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  o += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"" + num(W / 2.0) + "\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">" + esc(title) + "</text>\n";
  o += "<line x1=\"" + num(L) + "\" y1=\"" + num(H - B) + "\" x2=\"" + num(W - R) + "\" y2=\"" + num(H - B) +
       "\" stroke=\"black\"/>\n";
  o += "<line x1=\"" + num(L) + "\" y1=\"" + num(T) + "\" x2=\"" + num(L) + "\" y2=\"" + num(H - B) +
       "\" stroke=\"black\"/>\n";
  for (int i = 0; i <= 4; i++) {
    double xv = x0 + (x1 - x0) * i / 4, yv = y0 + (y1 - y0) * i / 4;
    o += "<text x=\"" + num(px(xv)) + "\" y=\"" + num(H - B + 16) + "\" text-anchor=\"middle\">" + num(xv) + "</text>\n";
    o += "<text x=\"" + num(L - 6) + "\" y=\"" + num(py(yv) + 4) + "\" text-anchor=\"end\">" + num(yv) + "</text>\n";
    o += "<line x1=\"" + num(L) + "\" y1=\"" + num(py(yv)) + "\" x2=\"" + num(W - R) + "\" y2=\"" + num(py(yv)) +
         "\" stroke=\"#ddd\"/>\n";
  }
  o += "<text x=\"" + num(W / 2.0) + "\" y=\"" + num(H - 12) + "\" text-anchor=\"middle\">" + esc(xlabel) + "</text>\n";
  o += "<text x=\"16\" y=\"" + num(H / 2.0) + "\" text-anchor=\"middle\" transform=\"rotate(-90 16 " + num(H / 2.0) +
       ")\">" + esc(ylabel) + "</text>\n";
  if (empty) o += "<text x=\"" + num(W / 2.0) + "\" y=\"" + num(H / 2.0) + "\" text-anchor=\"middle\">no data</text>\n";
  for (size_t k = 0; k < series.size(); k++) {
    auto& s = series[k];
    std::string pts;
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); i++)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) pts += num(px(s.x[i])) + "," + num(py(s.y[i])) + " ";
    const char* c = colors[k % 8];
    if (!pts.empty())
      o += "<polyline fill=\"none\" stroke=\"" + std::string(c) + "\" stroke-width=\"1.5\" points=\"" + pts + "\"/>\n";
    double ly = T + 14 * (double)k;
    o += "<rect x=\"" + num(W - R - 150) + "\" y=\"" + num(ly) + "\" width=\"10\" height=\"10\" fill=\"" + c + "\"/>\n";
    o += "<text x=\"" + num(W - R - 135) + "\" y=\"" + num(ly + 9) + "\">" + esc(s.name) + "</text>\n";
  }
  o += "</svg>\n";
  return o;
}

}  // namespace r1::eval
