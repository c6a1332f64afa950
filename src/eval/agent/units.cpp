// The unit conversion tool. Every unit is an affine map to its quantity's base
// unit (base = value * scale + offset); only temperatures have an offset.
// US customary volumes (cup, pint, quart, gallon, fluid ounce) are the US ones;
// the imperial gallon has its own name.
#include <cmath>
#include <string>
#include <vector>

#include "edgelm/error.h"
#include "eval/agent/tools.h"

namespace edgelm::eval::agent::detail {
namespace {

struct Unit {
  const char* quantity;
  std::vector<std::string> names;  // the first is canonical; matched case-insensitively
  double scale;
  double offset = 0;
};

// Base units: metre, kilogram, kelvin, litre, second, byte.
const std::vector<Unit>& units() {
  static const std::vector<Unit> table = {
      {"length", {"mm", "millimeter", "millimeters", "millimetre", "millimetres"}, 1e-3},
      {"length", {"cm", "centimeter", "centimeters", "centimetre", "centimetres"}, 1e-2},
      {"length", {"m", "meter", "meters", "metre", "metres"}, 1},
      {"length", {"km", "kilometer", "kilometers", "kilometre", "kilometres"}, 1e3},
      {"length", {"in", "inch", "inches"}, 0.0254},
      {"length", {"ft", "foot", "feet"}, 0.3048},
      {"length", {"yd", "yard", "yards"}, 0.9144},
      {"length", {"mi", "mile", "miles"}, 1609.344},
      {"length", {"nmi", "nautical_mile", "nautical_miles"}, 1852},
      {"mass", {"mg", "milligram", "milligrams"}, 1e-6},
      {"mass", {"g", "gram", "grams", "gramme", "grammes"}, 1e-3},
      {"mass", {"kg", "kilogram", "kilograms", "kilo", "kilos"}, 1},
      {"mass", {"t", "tonne", "tonnes", "metric_ton", "metric_tons"}, 1e3},
      {"mass", {"oz", "ounce", "ounces"}, 0.028349523125},
      {"mass", {"lb", "lbs", "pound", "pounds"}, 0.45359237},
      {"mass", {"st", "stone", "stones"}, 6.35029318},
      {"temperature", {"C", "celsius", "degc", "degrees_celsius"}, 1, 273.15},
      {"temperature", {"F", "fahrenheit", "degf", "degrees_fahrenheit"}, 5.0 / 9.0, 459.67 * 5.0 / 9.0},
      {"temperature", {"K", "kelvin", "kelvins"}, 1},
      {"volume", {"ml", "milliliter", "milliliters", "millilitre", "millilitres"}, 1e-3},
      {"volume", {"cl", "centiliter", "centiliters", "centilitre", "centilitres"}, 1e-2},
      {"volume", {"l", "liter", "liters", "litre", "litres"}, 1},
      {"volume", {"m3", "cubic_meter", "cubic_meters", "cubic_metre", "cubic_metres"}, 1e3},
      {"volume", {"tsp", "teaspoon", "teaspoons"}, 0.00492892159375},
      {"volume", {"tbsp", "tablespoon", "tablespoons"}, 0.01478676478125},
      {"volume", {"fl_oz", "floz", "fluid_ounce", "fluid_ounces"}, 0.0295735295625},
      {"volume", {"cup", "cups"}, 0.2365882365},
      {"volume", {"pt", "pint", "pints"}, 0.473176473},
      {"volume", {"qt", "quart", "quarts"}, 0.946352946},
      {"volume", {"gal", "gallon", "gallons", "us_gallon", "us_gallons"}, 3.785411784},
      {"volume", {"imp_gal", "imperial_gallon", "imperial_gallons"}, 4.54609},
      {"time", {"ms", "millisecond", "milliseconds"}, 1e-3},
      {"time", {"s", "sec", "secs", "second", "seconds"}, 1},
      {"time", {"min", "mins", "minute", "minutes"}, 60},
      {"time", {"h", "hr", "hrs", "hour", "hours"}, 3600},
      {"time", {"day", "days", "d"}, 86400},
      {"time", {"week", "weeks", "wk"}, 604800},
      {"data", {"bit", "bits"}, 0.125},
      {"data", {"B", "byte", "bytes"}, 1},
      {"data", {"KB", "kilobyte", "kilobytes"}, 1e3},
      {"data", {"MB", "megabyte", "megabytes"}, 1e6},
      {"data", {"GB", "gigabyte", "gigabytes"}, 1e9},
      {"data", {"TB", "terabyte", "terabytes"}, 1e12},
      {"data", {"KiB", "kibibyte", "kibibytes"}, 1024.0},
      {"data", {"MiB", "mebibyte", "mebibytes"}, 1048576.0},
      {"data", {"GiB", "gibibyte", "gibibytes"}, 1073741824.0},
      {"data", {"TiB", "tebibyte", "tebibytes"}, 1099511627776.0},
  };
  return table;
}

// Lowercase, "°" dropped, spaces and hyphens as underscores, ends trimmed.
std::string normalise(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '\xC2' && i + 1 < name.size() && name[i + 1] == '\xB0') {  // UTF-8 "°"
      ++i;
      continue;
    }
    if (c == ' ' || c == '-' || c == '_') {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

const Unit& find_unit(std::string_view name) {
  if (name.size() <= 40) {
    std::string key = normalise(name);
    for (const Unit& u : units())
      for (const std::string& n : u.names) {
        std::string candidate = n;
        for (char& c : candidate) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if (candidate == key) return u;
      }
  }
  std::string shown(name.substr(0, 40));
  throw Error("unknown unit '" + shown + "'; known units: " + unit_summary());
}

}  // namespace

std::string unit_summary() {
  std::string out;
  std::string current;
  for (const Unit& u : units()) {
    if (current != u.quantity) {
      if (!current.empty()) out += "; ";
      current = u.quantity;
      out += current + ":";
    } else {
      out += ",";
    }
    out += " " + u.names.front();
  }
  return out;
}

Converted convert_units(double value, std::string_view from, std::string_view to) {
  if (!std::isfinite(value)) throw Error("value must be a finite number");
  const Unit& a = find_unit(from);
  const Unit& b = find_unit(to);
  if (std::string(a.quantity) != b.quantity)
    throw Error("cannot convert " + a.names.front() + " (" + a.quantity + ") to " + b.names.front() +
                " (" + b.quantity + "): they measure different things");
  double base = value * a.scale + a.offset;
  if (std::string(a.quantity) == "temperature" && base < -1e-9)
    throw Error("temperature below absolute zero");
  double result = (base - b.offset) / b.scale;
  if (!std::isfinite(result)) throw Error("result is too large");
  return {result, a.names.front(), b.names.front(), a.quantity};
}

}  // namespace edgelm::eval::agent::detail
