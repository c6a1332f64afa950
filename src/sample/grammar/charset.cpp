#include "sample/grammar/charset.h"

#include <algorithm>
#include <cstdio>

namespace edgelm::grammar {

namespace {

constexpr uint32_t kSurrogateLo = 0xD800, kSurrogateHi = 0xDFFF;

// Upper end of the code points that take n UTF-8 bytes.
constexpr uint32_t kMaxOfLength[5] = {0, 0x7F, 0x7FF, 0xFFFF, 0x10FFFF};

void encode_utf8(uint32_t cp, uint8_t* out, int& len) {
  if (cp < 0x80) {
    out[0] = static_cast<uint8_t>(cp), len = 1;
  } else if (cp < 0x800) {
    out[0] = static_cast<uint8_t>(0xC0 | (cp >> 6));
    out[1] = static_cast<uint8_t>(0x80 | (cp & 0x3F)), len = 2;
  } else if (cp < 0x10000) {
    out[0] = static_cast<uint8_t>(0xE0 | (cp >> 12));
    out[1] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<uint8_t>(0x80 | (cp & 0x3F)), len = 3;
  } else {
    out[0] = static_cast<uint8_t>(0xF0 | (cp >> 18));
    out[1] = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
    out[2] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    out[3] = static_cast<uint8_t>(0x80 | (cp & 0x3F)), len = 4;
  }
}

// Splits [lo, hi] (same encoded length n) into ranges whose encodings are a
// product of byte ranges: lo and hi then differ only in a prefix of positions
// whose following positions span the full continuation range 80..BF.
void split_same_length(uint32_t lo, uint32_t hi, int n, std::vector<Utf8Sequence>& out) {
  for (int i = 1; i < n; ++i) {
    const uint32_t mask = (uint32_t{1} << (6 * i)) - 1;  // the low i continuation bytes
    if ((lo & ~mask) != (hi & ~mask)) {
      if ((lo & mask) != 0) {  // lo does not start a full block: peel it off
        split_same_length(lo, lo | mask, n, out);
        split_same_length((lo | mask) + 1, hi, n, out);
        return;
      }
      if ((hi & mask) != mask) {  // hi does not end a full block
        split_same_length(lo, (hi & ~mask) - 1, n, out);
        split_same_length(hi & ~mask, hi, n, out);
        return;
      }
    }
  }
  uint8_t a[4], b[4];
  int len = 0;
  encode_utf8(lo, a, len);
  encode_utf8(hi, b, len);
  Utf8Sequence seq(n);
  for (int i = 0; i < n; ++i) seq[i].add_range(a[i], b[i]);
  out.push_back(seq);
}

}  // namespace

std::string ByteSet::to_string() const {
  std::string s = "[";
  auto put = [&](int b) {
    char buf[8];
    if (b >= 0x21 && b < 0x7F && b != ']' && b != '\\' && b != '-' && b != '^') {
      s += static_cast<char>(b);
    } else {
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      s += buf;
    }
  };
  for (int b = 0; b < 256; ++b) {
    if (!has(static_cast<uint8_t>(b))) continue;
    int e = b;
    while (e + 1 < 256 && has(static_cast<uint8_t>(e + 1))) ++e;
    put(b);
    if (e > b) {
      if (e > b + 1) s += '-';
      put(e);
    }
    b = e;
  }
  return s + "]";
}

CodepointSet CodepointSet::single(uint32_t cp) {
  CodepointSet s;
  s.add(cp);
  return s;
}

CodepointSet CodepointSet::range(uint32_t lo, uint32_t hi) {
  CodepointSet s;
  s.add(lo, hi);
  return s;
}

CodepointSet CodepointSet::all() { return range(0, kMaxCodepoint); }

void CodepointSet::add(uint32_t lo, uint32_t hi) {
  hi = std::min(hi, kMaxCodepoint);
  if (lo > hi) return;
  // Keep surrogates out: split around them.
  if (lo <= kSurrogateHi && hi >= kSurrogateLo) {
    if (lo < kSurrogateLo) add(lo, kSurrogateLo - 1);
    if (hi > kSurrogateHi) add(kSurrogateHi + 1, hi);
    return;
  }
  if (ranges_.empty() || lo > ranges_.back().second + 1) {  // appending in order is the common case
    ranges_.push_back({lo, hi});
    return;
  }
  std::vector<Range> merged;
  merged.reserve(ranges_.size() + 1);
  bool placed = false;
  for (const Range& r : ranges_) {
    if (r.second + 1 < lo) {
      merged.push_back(r);
    } else if (hi + 1 < r.first) {
      if (!placed) merged.push_back({lo, hi}), placed = true;
      merged.push_back(r);
    } else {  // overlapping or adjacent: absorb
      lo = std::min(lo, r.first);
      hi = std::max(hi, r.second);
    }
  }
  if (!placed) merged.push_back({lo, hi});
  ranges_ = std::move(merged);
  // Adjacent across the surrogate gap is still two ranges; that is fine.
}

void CodepointSet::add(const CodepointSet& other) {
  for (const Range& r : other.ranges_) add(r.first, r.second);
}

CodepointSet CodepointSet::complement() const {
  CodepointSet out;
  uint32_t next = 0;
  for (const Range& r : ranges_) {
    if (r.first > next) out.add(next, r.first - 1);
    next = r.second + 1;
  }
  if (next <= kMaxCodepoint) out.add(next, kMaxCodepoint);
  return out;
}

CodepointSet CodepointSet::minus(const CodepointSet& other) const {
  CodepointSet keep = other.complement();
  CodepointSet out;
  for (const Range& a : ranges_)
    for (const Range& b : keep.ranges_) {
      const uint32_t lo = std::max(a.first, b.first), hi = std::min(a.second, b.second);
      if (lo <= hi) out.add(lo, hi);
    }
  return out;
}

bool CodepointSet::contains(uint32_t cp) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), Range{cp, UINT32_MAX});
  return it != ranges_.begin() && std::prev(it)->second >= cp;
}

std::vector<Utf8Sequence> utf8_sequences(const CodepointSet& set) {
  std::vector<Utf8Sequence> out;
  ByteSet ascii;
  for (const auto& [lo, hi] : set.ranges()) {
    for (int n = 1; n <= 4; ++n) {
      const uint32_t len_lo = n == 1 ? 0 : kMaxOfLength[n - 1] + 1;
      const uint32_t a = std::max(lo, len_lo), b = std::min(hi, kMaxOfLength[n]);
      if (a > b) continue;
      if (n == 1)
        ascii.add_range(static_cast<uint8_t>(a), static_cast<uint8_t>(b));
      else
        split_same_length(a, b, n, out);
    }
  }
  if (!ascii.empty()) out.insert(out.begin(), Utf8Sequence{ascii});
  return out;
}

void append_utf8(std::string& out, uint32_t cp) {
  uint8_t buf[4];
  int len = 0;
  encode_utf8(cp, buf, len);
  out.append(reinterpret_cast<const char*>(buf), len);
}

bool decode_utf8(const std::string& text, size_t& pos, uint32_t& cp) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t b0 = byte(pos);
  int n;
  uint32_t value;
  if (b0 < 0x80) n = 1, value = b0;
  else if (b0 >= 0xC2 && b0 < 0xE0) n = 2, value = b0 & 0x1F;
  else if (b0 >= 0xE0 && b0 < 0xF0) n = 3, value = b0 & 0x0F;
  else if (b0 >= 0xF0 && b0 < 0xF5) n = 4, value = b0 & 0x07;
  else return false;
  if (pos + n > text.size()) return false;
  for (int i = 1; i < n; ++i) {
    const uint8_t b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return false;
    value = (value << 6) | (b & 0x3F);
  }
  if (value > CodepointSet::kMaxCodepoint || (value >= kSurrogateLo && value <= kSurrogateHi) ||
      (n > 1 && value <= kMaxOfLength[n - 1]))  // overlong
    return false;
  cp = value;
  pos += n;
  return true;
}

}  // namespace edgelm::grammar
