#include "grammar_test_util.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "support.h"

namespace edgelm::testing {

using namespace grammar;

std::shared_ptr<const Vocabulary> byte_vocabulary() {
  static const std::shared_ptr<const Vocabulary> vocab = [] {
    std::vector<std::string> pieces;
    for (int b = 0; b < 256; ++b) pieces.push_back(std::string(1, static_cast<char>(b)));
    pieces.push_back("");
    return std::make_shared<const Vocabulary>(std::move(pieces), std::vector<int32_t>{256});
  }();
  return vocab;
}

std::shared_ptr<const Vocabulary> synthetic_vocabulary() {
  static const std::shared_ptr<const Vocabulary> vocab = [] {
    std::vector<std::string> pieces = {"", "", ""};
    for (int b = 1; b < 256; b += (b < 128 ? 1 : 7)) pieces.push_back(std::string(1, static_cast<char>(b)));
    const char* fragments[] = {"{\"", "\":", "\",\"", "\"}", "true", "false", "null", "tr", "ue", "[1,", "2]",
                               "\xC3\xA9", "a\xC3", "\xA9" "b", "\xE2\x82", "\xAC", "\xE2\x82\xAC", "\\n", "\\u00",
                               "e9", "ab", "abc", "-1", "0.", "5e", "+3", "\n  ", "  ", ", ", "\"a", "x\"", "\"\"",
                               "12", "345", "a", "a", "{}", "[]", "\\", "\\\"", "children", "value", "name", "kind"};
    for (const char* f : fragments) pieces.push_back(f);
    std::mt19937_64 rng(7);
    const std::string alphabet = "{}[]\":, \nabn01-.eE\\ut\xC3\xA9";
    for (int i = 0; i < 300; ++i) {
      std::string s;
      const int len = 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < len; ++k) s += alphabet[rng() % alphabet.size()];
      pieces.push_back(s);
    }
    return std::make_shared<const Vocabulary>(std::move(pieces), std::vector<int32_t>{kSyntheticEog});
  }();
  return vocab;
}

bool grammar_accepts(const Grammar& g, std::string_view text) {
  auto engine = std::make_shared<GrammarEngine>(std::make_shared<Grammar>(g), byte_vocabulary());
  GrammarMatcher m(engine);
  return m.accept_text(text) && m.is_complete();
}

namespace {

using edgelm::test::shared_path;

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& name) {
  if (name != "gemma4") return Tokenizer::from_hf_json(shared_path("tokenizers/" + name + "/tokenizer.json"));
  // Gemma 4 = Gemma 3's vocabulary with renamed control tokens.
  TokenizerSpec spec = tokenizer_spec_from_hf_json(shared_path("tokenizers/gemma3/tokenizer.json"));
  std::ifstream in(shared_path("tokenizers/gemma4_special_tokens_patch.json"));
  const nlohmann::json patch = nlohmann::json::parse(in);
  spec.tokens.resize(patch["vocab_size"].get<size_t>());
  if (!spec.types.empty()) spec.types.resize(spec.tokens.size(), TokenType::kNormal);
  if (!spec.scores.empty()) spec.scores.resize(spec.tokens.size());
  if (spec.types.empty()) spec.types.assign(spec.tokens.size(), TokenType::kNormal);
  for (const auto& [id, text] : patch["rename_added_tokens"].items()) {
    const size_t i = std::stoul(id);
    spec.tokens[i] = text.get<std::string>();
    spec.types[i] = TokenType::kControl;
  }
  spec.extra_eog_ids = {1, 106, 50};
  return std::make_unique<Tokenizer>(std::move(spec));
}

}  // namespace

const Tokenizer& shared_tokenizer(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[name];
  if (!slot) slot = load_tokenizer(name);
  return *slot;
}

std::shared_ptr<const Vocabulary> shared_vocabulary(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Vocabulary>> cache;
  const Tokenizer& tok = shared_tokenizer(name);
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[name];
  if (!slot) slot = Vocabulary::from_tokenizer(tok);
  return slot;
}

// ---------------------------------------------------------------------------

ReferenceMatcher::ReferenceMatcher(const Grammar& g) : g_(g) {
  for (int32_t start : g.alternatives(g.root())) expand({start}, stacks_);
}

// Follows rule references and finished alternatives until every stack has a
// byte set or token on top (or is empty: the grammar is complete). Lower
// frames hold the position to continue at once the frame above finishes.
void ReferenceMatcher::expand(Stack start, std::vector<Stack>& out) const {
  std::vector<Stack> work{std::move(start)};
  std::set<Stack> seen;
  while (!work.empty()) {
    Stack stack = std::move(work.back());
    work.pop_back();
    if (!seen.insert(stack).second) continue;
    if (stack.empty()) {
      out.push_back(stack);
      continue;
    }
    const int32_t pos = stack.back();
    const Element& el = g_.element(pos);
    if (el.kind == ElementKind::kBytes || el.kind == ElementKind::kToken) {
      out.push_back(stack);
    } else if (el.kind == ElementKind::kEnd) {
      stack.pop_back();
      work.push_back(stack);
    } else {
      stack.back() = pos + 1;
      if (g_.element(pos + 1).kind == ElementKind::kEnd) stack.pop_back();
      for (int32_t alt : g_.alternatives(el.value)) {
        Stack s = stack;
        s.push_back(alt);
        work.push_back(s);
      }
    }
  }
}

bool ReferenceMatcher::accept_bytes(std::string_view bytes) {
  std::vector<Stack> current = stacks_;
  for (char c : bytes) {
    std::vector<Stack> next;
    for (const Stack& s : current) {
      if (s.empty()) continue;
      const Element& el = g_.element(s.back());
      if (el.kind != ElementKind::kBytes || !g_.byte_set(el.value).has(static_cast<uint8_t>(c))) continue;
      Stack t = s;
      t.back() += 1;
      expand(t, next);
    }
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    if (next.empty()) return false;
    current = std::move(next);
  }
  stacks_ = std::move(current);
  return true;
}

bool ReferenceMatcher::accept_token(int32_t token) {
  std::vector<Stack> next;
  for (const Stack& s : stacks_) {
    if (s.empty()) continue;
    const Element& el = g_.element(s.back());
    if (el.kind != ElementKind::kToken || el.value != token) continue;
    Stack t = s;
    t.back() += 1;
    expand(t, next);
  }
  if (next.empty()) return false;
  stacks_ = std::move(next);
  return true;
}

bool ReferenceMatcher::can_finish() const {
  return std::any_of(stacks_.begin(), stacks_.end(), [](const Stack& s) { return s.empty(); });
}

// ---------------------------------------------------------------------------

bool mask_bit(const std::vector<uint32_t>& words, int32_t id) { return (words[id >> 5] >> (id & 31)) & 1; }

Sampled sample_completion(GrammarMatcher& m, const Vocabulary& vocab, std::mt19937_64& rng, int max_tokens,
                          const Tokenizer* render) {
  static std::mutex mutex;
  static std::map<const Vocabulary*, std::vector<int32_t>> short_lists;
  const std::vector<int32_t>* short_tokens;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto& list = short_lists[&vocab];
    if (list.empty())
      for (int32_t id = 0; id < vocab.n_vocab(); ++id)
        if (vocab.piece(id).size() <= 1) list.push_back(id);
    short_tokens = &list;
  }
  Sampled out;
  std::vector<uint32_t> mask;
  const int free_steps = static_cast<int>(rng() % 48);
  for (int step = 0; step < max_tokens; ++step) {
    m.fill_mask(mask);
    std::vector<int32_t> candidates;
    if (step < free_steps) {
      for (int tries = 0; tries < 64 && candidates.empty(); ++tries) {
        const int32_t id = static_cast<int32_t>(rng() % vocab.n_vocab());
        if (mask_bit(mask, id)) candidates.push_back(id);
      }
    }
    int32_t choice = -1;
    if (!candidates.empty()) {
      choice = candidates[0];
    } else {
      std::vector<int32_t> allowed;
      for (int32_t w = 0; w < static_cast<int32_t>(mask.size()); ++w)
        for (uint32_t bits = mask[w]; bits; bits &= bits - 1) allowed.push_back(w * 32 + __builtin_ctz(bits));
      if (allowed.empty()) break;
      if (step < free_steps) {
        choice = allowed[rng() % allowed.size()];
      } else {
        for (int32_t id : *short_tokens)
          if (mask_bit(mask, id)) candidates.push_back(id);
        for (int k = 0; k < 16; ++k) candidates.push_back(allowed[rng() % allowed.size()]);
        std::shuffle(candidates.begin(), candidates.end(), rng);
        int32_t best = INT32_MAX;
        for (int32_t id : candidates) {
          GrammarMatcher trial = m;
          if (!trial.accept(id)) continue;
          const int32_t left = trial.is_terminated() ? -1 : trial.min_bytes_to_complete();
          if (left < best) best = left, choice = id;
        }
      }
    }
    if (choice < 0 || !m.accept(choice)) break;
    out.tokens.push_back(choice);
    if (m.is_terminated()) {
      out.terminated = true;
      break;
    }
    out.text += render ? render->token_to_piece(choice, true) : vocab.piece(choice);
  }
  return out;
}

}  // namespace edgelm::testing
