// Encoding: special-token partition, then per raw fragment either the SPM
// score-merge loop (docs/FORMATS.md §3.4) or pre-tokenization and the ranked BPE
// merge loop (§3.5, §3.6).
#include <algorithm>
#include <queue>

#include "edgelm/error.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace edgelm {
namespace {

constexpr size_t kMaxInputBytes = size_t{1} << 30;
constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";  // U+2581 "▁"

// A run of characters in the merge loops: a doubly linked list over the word,
// merged right-into-left. A symbol with len 0 has been merged away.
struct Symbol {
  int32_t id;           // token of the symbol's text, -1 if none
  int32_t prev, next;   // neighbours, -1 at the ends
  uint32_t begin, len;  // bytes of the word
};

// Splits a word into UTF-8 characters. A byte that starts no valid sequence
// is a character of its own (it will fall back to a byte token), so that
// it cannot swallow the characters after it.
template <class LookUp>
std::vector<Symbol> split_characters(std::string_view word, const LookUp& lookup) {
  std::vector<Symbol> symbols;
  symbols.reserve(word.size());
  size_t pos = 0;
  while (pos < word.size()) {
    size_t next = pos;
    tok::utf8_next(word, next);
    const size_t len = next - pos;
    const int32_t index = static_cast<int32_t>(symbols.size());
    symbols.push_back({lookup(word.substr(pos, len)), index - 1, index + 1,
                       static_cast<uint32_t>(pos), static_cast<uint32_t>(len)});
    pos += len;
  }
  if (!symbols.empty()) symbols.back().next = -1;
  return symbols;
}

// Unlinks `right` after its text has been added to `left`.
void absorb_right(std::vector<Symbol>& symbols, int32_t left, int32_t right) {
  Symbol& l = symbols[left];
  Symbol& r = symbols[right];
  l.len += r.len;
  r.len = 0;
  l.next = r.next;
  if (r.next >= 0) symbols[r.next].prev = left;
}

std::string escape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (char c : text) {
    if (c == ' ') {
      out += kEscapedSpace;
    } else {
      out += c;
    }
  }
  return out;
}

bool only_newlines(std::string_view word) {
  return word.find_first_not_of('\n') == std::string_view::npos;
}

}  // namespace

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  return encode_spans({TextSpan{text, parse_special}}, add_special);
}

std::vector<int32_t> Tokenizer::encode_spans(const std::vector<TextSpan>& spans, bool add_special) const {
  std::string joined;
  std::vector<tok::SpanPolicy> policies;
  for (const TextSpan& span : spans) {
    if (span.text.size() > kMaxInputBytes - joined.size()) {
      throw Error("tokenizer: input text is larger than " + std::to_string(kMaxInputBytes) + " bytes");
    }
    policies.push_back({joined.size(), joined.size() + span.text.size(), span.parse_special});
    joined.append(span.text);
  }
  std::vector<int32_t> out;
  out.reserve(joined.size() / 3 + 2);
  if (add_special && add_bos()) out.push_back(spec_.bos_id);
  bool after_special = true;  // the start of the text counts as "after a special token"
  for (const tok::Fragment& f : specials_.partition(joined, policies)) {
    if (f.token >= 0) {
      out.push_back(f.token);
      after_special = true;
    } else {
      encode_fragment(std::string_view(joined).substr(f.begin, f.end - f.begin), after_special, out);
      after_special = false;
    }
  }
  if (add_special && add_eos()) out.push_back(spec_.eos_id);
  return out;
}

std::vector<std::pair<size_t, size_t>> Tokenizer::control_token_ranges(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  for (const tok::Fragment& f : specials_.partition(text, {{0, text.size(), true}}))
    if (f.token >= 0 && token_type(f.token) != TokenType::kUserDefined) out.emplace_back(f.begin, f.end);
  return out;
}

void Tokenizer::encode_fragment(std::string_view raw, bool after_special, std::vector<int32_t>& out) const {
  // Normalize: valid UTF-8 where characters are inspected, NFC, space prefix, ▁ escapes.
  std::string text = (spec_.byte_level || spec_.nfc) ? tok::utf8_sanitize(raw) : std::string(raw);
  if (spec_.nfc) text = tok::nfc(text);
  if (spec_.add_space_prefix && after_special) text.insert(0, 1, ' ');
  if (spec_.escape_spaces) text = escape_spaces(text);

  if (spec_.algorithm == TokenizerSpec::Algorithm::kSpm) {
    encode_spm(text, out);
    return;
  }
  std::vector<std::string_view> words;
  pre_tokenize(spec_.pre, text, words);
  for (std::string_view word : words) {
    // Gemma 4 has tokens for runs of newlines; they are looked up whole.
    if (spec_.pre == PreTokenizer::kNewlines && only_newlines(word)) {
      if (const int32_t id = lookup(word); id >= 0) {
        out.push_back(id);
        continue;
      }
    }
    if (spec_.byte_level) {
      encode_bpe_word(tok::byte_level_encode(word), out);
    } else {
      encode_bpe_word(word, out);
    }
  }
}

void Tokenizer::encode_spm(std::string_view text, std::vector<int32_t>& out) const {
  std::vector<Symbol> symbols = split_characters(text, [](std::string_view) { return -1; });
  struct Bigram {
    float score;
    int32_t left, right;
    uint32_t len;
  };
  // Highest score first; ties go to the leftmost pair.
  const auto lower_priority = [](const Bigram& a, const Bigram& b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  std::priority_queue<Bigram, std::vector<Bigram>, decltype(lower_priority)> queue(lower_priority);
  const auto try_pair = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const uint32_t len = symbols[left].len + symbols[right].len;
    const int32_t id = lookup(text.substr(symbols[left].begin, len));
    if (id >= 0) queue.push({scores_[id], left, right, len});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_pair(i - 1, i);

  while (!queue.empty()) {
    const Bigram b = queue.top();
    queue.pop();
    // Stale: a side was merged away or grew since this pair was queued.
    if (symbols[b.left].len == 0 || symbols[b.right].len == 0 ||
        symbols[b.left].len + symbols[b.right].len != b.len) {
      continue;
    }
    absorb_right(symbols, b.left, b.right);
    try_pair(symbols[b.left].prev, b.left);
    try_pair(b.left, symbols[b.left].next);
  }
  // Every merged symbol is a token (only token-forming pairs are queued);
  // single characters that are not tokens fall back to bytes.
  for (int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
    const std::string_view piece = text.substr(symbols[i].begin, symbols[i].len);
    const int32_t id = lookup(piece);
    if (id >= 0) {
      out.push_back(id);
    } else {
      emit_unknown(piece, out);
    }
  }
}

void Tokenizer::encode_bpe_word(std::string_view word, std::vector<int32_t>& out) const {
  if (spec_.ignore_merges) {
    if (const int32_t id = lookup(word); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  std::vector<Symbol> symbols = split_characters(word, [&](std::string_view c) { return lookup(c); });
  struct Candidate {
    int32_t rank, left, right, left_id, right_id, result;
  };
  // Lowest rank first; ties go to the leftmost pair.
  const auto lower_priority = [](const Candidate& a, const Candidate& b) {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(lower_priority)> queue(lower_priority);
  const auto try_pair = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const int32_t a = symbols[left].id, b = symbols[right].id;
    if (a < 0 || b < 0) return;
    if (const tok::Merge* m = merges_.find(a, b)) queue.push({m->rank, left, right, a, b, m->result});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(symbols.size()); ++i) try_pair(i - 1, i);

  while (!queue.empty()) {
    const Candidate c = queue.top();
    queue.pop();
    const Symbol& l = symbols[c.left];
    const Symbol& r = symbols[c.right];
    // Stale: the two are no longer neighbours or no longer these tokens.
    if (l.len == 0 || r.len == 0 || l.next != c.right || l.id != c.left_id || r.id != c.right_id) {
      continue;
    }
    symbols[c.left].id = c.result;
    absorb_right(symbols, c.left, c.right);
    try_pair(symbols[c.left].prev, c.left);
    try_pair(c.left, symbols[c.left].next);
  }
  for (int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
    if (symbols[i].id >= 0) {
      out.push_back(symbols[i].id);
    } else {
      emit_unknown(word.substr(symbols[i].begin, symbols[i].len), out);
    }
  }
}

void Tokenizer::emit_unknown(std::string_view symbol, std::vector<int32_t>& out) const {
  if (spec_.byte_level) {
    // One stand-in character per byte; complete vocabularies have them all.
    size_t i = 0;
    while (i < symbol.size()) {
      const size_t start = i;
      tok::utf8_next(symbol, i);
      const int32_t id = lookup(symbol.substr(start, i - start));
      if (id >= 0) {
        out.push_back(id);
      } else if (spec_.unk_id >= 0) {
        out.push_back(spec_.unk_id);
      }
    }
    return;
  }
  bool all_bytes = spec_.byte_fallback;
  for (char c : symbol) all_bytes = all_bytes && byte_tokens_[static_cast<uint8_t>(c)] >= 0;
  if (all_bytes) {
    for (char c : symbol) out.push_back(byte_tokens_[static_cast<uint8_t>(c)]);
  } else if (spec_.unk_id >= 0) {
    out.push_back(spec_.unk_id);
  }
}

}  // namespace edgelm
