// The compare results as a markdown table and as one self-contained HTML page
// (inline SVG plots, inline CSS, no scripts, no network).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "eval/compare.h"

namespace edgelm::eval {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string number(double v) {
  if (std::fabs(v) >= 1000) return fmt("%.0f", v);
  if (std::fabs(v) >= 100) return fmt("%.1f", v);
  return fmt("%.2f", v);
}

// "123.4 (120.1-125.0)": the value and, when there is one, its spread.
std::string cell(const JsonDoc& m) {
  if (!m.is_object()) return "-";
  const double v = m["value"], lo = m["low"], hi = m["high"];
  if (lo == v && hi == v) return number(v);
  return number(v) + " (" + number(lo) + "-" + number(hi) + ")";
}

std::string model_name(const JsonDoc& results, int i) {
  return results["models"][i].value("label", i == 0 ? "A" : "B");
}

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string parameters(double n) {
  return n >= 1e9 ? fmt("%.2f B", n / 1e9) : n >= 1e6 ? fmt("%.1f M", n / 1e6) : fmt("%.0f K", n / 1e3);
}

std::string mib(uint64_t bytes) { return fmt("%.0f MiB", static_cast<double>(bytes) / (1 << 20)); }

const char* kColorA = "#1f77b4";
const char* kColorB = "#d62728";

// ---------------------------------------------------------------- SVG plots

// Decode (and prefill, dashed) tokens/s against context depth, one line per model.
std::string speed_plot(const JsonDoc& r) {
  const int W = 640, H = 340, L = 60, R = 20, T = 30, B = 70;
  std::vector<int64_t> depths;
  double ymax = 0;
  for (const JsonDoc& m : r["models"])
    if (m.contains("speed"))
      for (const JsonDoc& d : m["speed"]["depths"]) {
        depths.push_back(d["depth"].get<int64_t>());
        if (d.value("fits", false) && d.contains("decode")) ymax = std::max(ymax, d["decode"]["max"].get<double>());
      }
  std::sort(depths.begin(), depths.end());
  depths.erase(std::unique(depths.begin(), depths.end()), depths.end());
  std::ostringstream s;
  s << "<svg id=\"decode-vs-depth\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\">";
  s << "<title>decode tokens/s vs context depth</title>";
  s << "<text x=\"" << W / 2 << "\" y=\"18\" text-anchor=\"middle\" class=\"t\">decode tokens/s vs context depth</text>";
  if (depths.empty() || ymax <= 0) {
    s << "<text x=\"" << W / 2 << "\" y=\"" << H / 2 << "\" text-anchor=\"middle\">no speed results</text></svg>";
    return s.str();
  }
  ymax *= 1.1;
  const double pw = W - L - R, ph = H - T - B;
  auto x_of = [&](size_t i) { return L + (depths.size() == 1 ? pw / 2 : pw * double(i) / double(depths.size() - 1)); };
  auto y_of = [&](double v) { return T + ph * (1 - v / ymax); };
  s << "<line x1=\"" << L << "\" y1=\"" << T + ph << "\" x2=\"" << L + pw << "\" y2=\"" << T + ph << "\" class=\"axis\"/>";
  s << "<line x1=\"" << L << "\" y1=\"" << T << "\" x2=\"" << L << "\" y2=\"" << T + ph << "\" class=\"axis\"/>";
  for (int k = 0; k <= 4; ++k) {
    const double v = ymax * k / 4;
    s << "<text x=\"" << L - 6 << "\" y=\"" << y_of(v) + 4 << "\" text-anchor=\"end\" class=\"tick\">" << number(v)
      << "</text><line x1=\"" << L << "\" y1=\"" << y_of(v) << "\" x2=\"" << L + pw << "\" y2=\"" << y_of(v)
      << "\" class=\"grid\"/>";
  }
  for (size_t i = 0; i < depths.size(); ++i)
    s << "<text x=\"" << x_of(i) << "\" y=\"" << T + ph + 18 << "\" text-anchor=\"middle\" class=\"tick\">"
      << depths[i] << "</text>";
  s << "<text x=\"" << L + pw / 2 << "\" y=\"" << T + ph + 36 << "\" text-anchor=\"middle\" class=\"tick\">context depth (tokens)</text>";
  for (int mi = 0; mi < 2; ++mi) {
    const JsonDoc& m = r["models"][mi];
    if (!m.contains("speed")) continue;
    std::string points;
    std::ostringstream dots;
    for (const JsonDoc& d : m["speed"]["depths"]) {
      if (!d.value("fits", false) || !d.contains("decode")) continue;
      const size_t i = std::find(depths.begin(), depths.end(), d["depth"].get<int64_t>()) - depths.begin();
      const double x = x_of(i), y = y_of(d["decode"]["median"].get<double>());
      points += fmt("%.1f,", x) + fmt("%.1f ", y);
      dots << "<circle class=\"point\" cx=\"" << x << "\" cy=\"" << y << "\" r=\"4\" fill=\"" << (mi ? kColorB : kColorA)
           << "\"><title>" << esc(model_name(r, mi)) << " @ " << d["depth"] << ": "
           << number(d["decode"]["median"].get<double>()) << " t/s</title></circle>";
      // The spread over repetitions as a vertical bar.
      dots << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << y_of(d["decode"]["min"].get<double>())
           << "\" y2=\"" << y_of(d["decode"]["max"].get<double>()) << "\" stroke=\"" << (mi ? kColorB : kColorA) << "\"/>";
    }
    s << "<polyline class=\"series\" fill=\"none\" stroke-width=\"2\" stroke=\"" << (mi ? kColorB : kColorA)
      << "\" points=\"" << points << "\"/>" << dots.str();
    // The legend sits under the plot, where no line can cross it.
    s << "<rect x=\"" << L + 10 + 280 * mi << "\" y=\"" << H - 14 << "\" width=\"12\" height=\"12\" fill=\""
      << (mi ? kColorB : kColorA) << "\"/><text x=\"" << L + 28 + 280 * mi << "\" y=\"" << H - 4 << "\">"
      << (mi ? "B: " : "A: ") << esc(model_name(r, mi)) << "</text>";
  }
  s << "</svg>";
  return s.str();
}

// Planned memory by kind as stacked horizontal bars, with the budget marked.
std::string memory_plot(const JsonDoc& r) {
  const int W = 640, H = 190, L = 60, R = 20, T = 30;
  const std::pair<const char*, const char*> kinds[] = {{"weights", "#4c72b0"},    {"kv_full", "#dd8452"},
                                                       {"kv_sliding", "#55a868"}, {"recurrent", "#8172b3"},
                                                       {"scratch", "#937860"},    {"weights_cold", "#c6d3e8"}};
  const double budget = r["settings"].value("mem_budget_bytes", 0.0);
  double xmax = budget;
  for (const JsonDoc& m : r["models"])
    if (m.contains("memory"))
      xmax = std::max({xmax, m["memory"].value("total", 0.0) + m["memory"].value("weights_cold", 0.0),
                       m["memory"].value("peak_rss_bytes", 0.0)});
  std::ostringstream s;
  s << "<svg id=\"memory-breakdown\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\"><title>memory by kind</title>";
  s << "<text x=\"" << W / 2 << "\" y=\"18\" text-anchor=\"middle\" class=\"t\">planned memory by kind; dashed: peak RSS</text>";
  if (xmax <= 0) {
    s << "<text x=\"" << W / 2 << "\" y=\"" << H / 2 << "\" text-anchor=\"middle\">no memory results</text></svg>";
    return s.str();
  }
  xmax *= 1.05;
  const double pw = W - L - R;
  for (int mi = 0; mi < 2; ++mi) {
    const JsonDoc& m = r["models"][mi];
    const double y = T + 10 + 50 * mi;
    s << "<text x=\"" << L - 6 << "\" y=\"" << y + 18 << "\" text-anchor=\"end\">" << (mi ? "B" : "A") << "</text>";
    if (!m.contains("memory")) continue;
    double x = L;
    for (const auto& [key, color] : kinds) {
      const double w = pw * m["memory"].value(key, 0.0) / xmax;
      if (w <= 0) continue;
      s << "<rect class=\"mem\" x=\"" << x << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"28\" fill=\""
        << color << "\"><title>" << key << ": " << mib(m["memory"].value(key, uint64_t{0})) << "</title></rect>";
      x += w;
    }
    const double rss = m["memory"].value("peak_rss_bytes", 0.0);
    if (rss > 0) {
      const double rx = L + pw * rss / xmax;
      s << "<line x1=\"" << rx << "\" x2=\"" << rx << "\" y1=\"" << y - 4 << "\" y2=\"" << y + 32
        << "\" stroke=\"black\" stroke-dasharray=\"3,2\"><title>peak RSS " << mib(uint64_t(rss)) << "</title></line>";
    }
  }
  if (budget > 0) {
    const double bx = L + pw * budget / xmax;
    s << "<line x1=\"" << bx << "\" x2=\"" << bx << "\" y1=\"" << T << "\" y2=\"" << T + 100
      << "\" stroke=\"#c00\" stroke-width=\"2\"/><text x=\"" << bx - 4 << "\" y=\"" << T + 112
      << "\" text-anchor=\"end\" class=\"tick\">budget " << mib(uint64_t(budget)) << "</text>";
  }
  double lx = L;
  for (const auto& [key, color] : kinds) {
    s << "<rect x=\"" << lx << "\" y=\"" << H - 24 << "\" width=\"10\" height=\"10\" fill=\"" << color
      << "\"/><text x=\"" << lx + 14 << "\" y=\"" << H - 15 << "\" class=\"tick\">" << key << "</text>";
    lx += 95;
  }
  s << "</svg>";
  return s.str();
}

// Each quality suite's score as two bars with 95 % interval whiskers.
std::string score_plot(const JsonDoc& r) {
  std::vector<const JsonDoc*> rows;
  for (const JsonDoc& row : r["rows"])
    if (row["group"] == "quality") rows.push_back(&row);
  const int W = 640, L = 200, R = 30, T = 30, per = 56;
  const int H = T + per * std::max<int>(1, int(rows.size())) + 20;
  std::ostringstream s;
  s << "<svg id=\"scores\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" role=\"img\"><title>quality scores</title>";
  s << "<text x=\"" << W / 2 << "\" y=\"18\" text-anchor=\"middle\" class=\"t\">quality scores (%, 95 % interval)</text>";
  if (rows.empty()) s << "<text x=\"" << W / 2 << "\" y=\"" << H / 2 << "\" text-anchor=\"middle\">no quality suites</text>";
  const double pw = W - L - R;
  for (size_t i = 0; i < rows.size(); ++i) {
    const JsonDoc& row = *rows[i];
    const double y0 = T + per * double(i);
    s << "<text x=\"" << L - 8 << "\" y=\"" << y0 + 24 << "\" text-anchor=\"end\">" << esc(row["metric"]) << "</text>";
    for (int mi = 0; mi < 2; ++mi) {
      const JsonDoc& m = row[mi ? "b" : "a"];
      if (!m.is_object()) continue;
      const double y = y0 + 4 + 22 * mi;
      s << "<rect class=\"score\" x=\"" << L << "\" y=\"" << y << "\" width=\"" << pw * m["value"].get<double>() / 100
        << "\" height=\"16\" fill=\"" << (mi ? kColorB : kColorA) << "\"><title>" << (mi ? "B " : "A ")
        << number(m["value"].get<double>()) << " %</title></rect>";
      const double lo = L + pw * m["low"].get<double>() / 100, hi = L + pw * m["high"].get<double>() / 100;
      s << "<line x1=\"" << lo << "\" x2=\"" << hi << "\" y1=\"" << y + 8 << "\" y2=\"" << y + 8
        << "\" stroke=\"black\"/><line x1=\"" << lo << "\" x2=\"" << lo << "\" y1=\"" << y + 3 << "\" y2=\"" << y + 13
        << "\" stroke=\"black\"/><line x1=\"" << hi << "\" x2=\"" << hi << "\" y1=\"" << y + 3 << "\" y2=\"" << y + 13
        << "\" stroke=\"black\"/>";
    }
  }
  s << "</svg>";
  return s.str();
}

}  // namespace

std::string compare_table(const JsonDoc& r) {
  std::ostringstream s;
  s << "| group | metric | A: " << model_name(r, 0) << " | B: " << model_name(r, 1) << " | winner |\n";
  s << "|---|---|---:|---:|:---:|\n";
  for (const JsonDoc& row : r["rows"]) {
    s << "| " << row["group"].get<std::string>() << " | " << row["metric"].get<std::string>() << " ("
      << row["unit"].get<std::string>() << ", " << row["better"].get<std::string>() << " is better) | "
      << cell(row["a"]) << " | " << cell(row["b"]) << " | " << row["winner"].get<std::string>() << " |\n";
  }
  return s.str();
}

std::string compare_html(const JsonDoc& r) {
  std::ostringstream s;
  const std::string a = model_name(r, 0), b = model_name(r, 1);
  s << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>edgelm compare: " << esc(a)
    << " vs " << esc(b) << "</title>\n<style>"
    << "body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:980px}"
    << "table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}"
    << "td:first-child,th:first-child,td:nth-child(2){text-align:left}td{white-space:nowrap}"
    << ".win{font-weight:bold;background:#e8f4e8}.t{font-weight:bold}.tick{font-size:11px;fill:#555}"
    << ".axis{stroke:#333}.grid{stroke:#eee}svg{display:block;margin:16px 0;font-size:12px}"
    << "</style></head><body>\n";
  s << "<h1>edgelm compare</h1>\n<p><b style=\"color:" << kColorA << "\">A: " << esc(a) << "</b> vs <b style=\"color:"
    << kColorB << "\">B: " << esc(b) << "</b></p>\n";
  s << "<h2>Results</h2>\n<table id=\"results\"><tr><th>group</th><th>metric</th><th>A</th><th>B</th><th>winner</th></tr>\n";
  for (const JsonDoc& row : r["rows"]) {
    const std::string w = row["winner"];
    s << "<tr><td>" << esc(row["group"]) << "</td><td>" << esc(row["metric"]) << " (" << esc(row["unit"]) << ", "
      << esc(row["better"]) << " is better)</td><td" << (w == "A" ? " class=\"win\"" : "") << ">" << esc(cell(row["a"]))
      << "</td><td" << (w == "B" ? " class=\"win\"" : "") << ">" << esc(cell(row["b"])) << "</td><td>" << esc(w)
      << "</td></tr>\n";
  }
  s << "</table>\n<p>Spreads: speed rows show the median and (min-max) over repetitions; quality rows the 95 % "
       "Wilson interval. A row is a tie where they overlap.</p>\n";
  s << "<h2>Speed</h2>\n" << speed_plot(r) << "\n<h2>Memory</h2>\n" << memory_plot(r) << "\n<h2>Quality</h2>\n"
    << score_plot(r) << "\n";
  s << "<h2>Models</h2>\n<table><tr><th>model</th><th>architecture</th><th>type</th><th>parameters</th><th>weights</th>"
       "<th>sha256</th></tr>\n";
  for (int mi = 0; mi < 2; ++mi) {
    const JsonDoc& m = r["models"][mi];
    const JsonDoc& info = m.value("info", JsonDoc::object());
    s << "<tr><td>" << (mi ? "B: " : "A: ") << esc(m.value("path", "")) << "</td><td>"
      << esc(info.value("architecture", "")) << "</td><td>" << esc(info.value("file_type", "")) << "</td><td>"
      << parameters(info.value("n_params", 0.0)) << "</td><td>" << mib(info.value("weight_bytes", uint64_t{0}))
      << "</td><td><code>" << esc(m.value("sha256", "").substr(0, 16)) << "</code></td></tr>\n";
  }
  s << "</table>\n<h2>Settings and machine</h2>\n<table id=\"settings\">\n";
  for (const auto& [k, v] : r["settings"].items())
    s << "<tr><td>" << esc(k) << "</td><td>" << esc(v.dump()) << "</td></tr>\n";
  for (const auto& [k, v] : r["machine"].items())
    s << "<tr><td>" << esc(k) << "</td><td>" << esc(v.is_string() ? v.get<std::string>() : v.dump()) << "</td></tr>\n";
  s << "</table>\n<p>Made by <code>edgelm compare</code>.</p>\n</body></html>\n";
  return s.str();
}

}  // namespace edgelm::eval
