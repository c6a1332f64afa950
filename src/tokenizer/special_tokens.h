// The special-token front end (docs/FORMATS.md §3.3): cut the texts of control,
// user-defined and unknown tokens out of the input before the model's
// algorithm sees the remaining raw text.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace edgelm::tok {

// A piece of the input: a matched special token, or raw text (token == -1).
struct Fragment {
  int32_t token;
  size_t begin, end;  // byte range in the input
};

// Where a special-token policy applies: bytes [begin, end) of the input.
struct SpanPolicy {
  size_t begin, end;
  bool parse_special;   // false: only user-defined tokens are matched
};

class SpecialTokenMatcher {
 public:
  // User-defined tokens are matched even where parse_special is off.
  void add(std::string_view text, int32_t id, bool is_user_defined);

  // Partitions `input` the way llama.cpp does: candidate tokens are tried
  // longest first (ties: lower id first); each one claims, left to right,
  // every occurrence that lies entirely in still-unclaimed text of a span
  // whose policy allows it. Unclaimed stretches become raw fragments.
  // Memory is linear in the input, whatever it contains.
  std::vector<Fragment> partition(std::string_view input, const std::vector<SpanPolicy>& spans) const;

  bool empty() const { return nodes_.size() <= 1; }

 private:
  struct Node {
    int32_t token = -1;          // token whose text ends here
    bool user_defined = false;
    int32_t parent = -1;
    uint32_t depth = 0;          // text length
  };
  // A position and the longest match there that has not been tried yet.
  struct Candidate {
    uint32_t pos;
    int32_t node;
    bool parse_special;
  };
  int32_t child(int32_t node, uint8_t byte) const;
  bool usable(int32_t node, bool parse_special) const;
  int32_t longest_match(std::string_view input, size_t pos, size_t end, bool parse_special) const;
  int32_t shorter_match(int32_t node, uint32_t max_len, bool parse_special) const;
  size_t length_index(uint32_t len) const;

  std::vector<Node> nodes_{Node{}};                  // trie over token texts; node 0 = root
  std::unordered_map<uint64_t, int32_t> children_;   // (node << 8 | byte) -> node
  std::vector<uint32_t> lengths_;                    // distinct token lengths, longest first
};

}  // namespace edgelm::tok
