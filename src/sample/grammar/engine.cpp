#include "sample/grammar/engine.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "edgelm/error.h"

namespace edgelm::grammar {

namespace {

uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

uint64_t hash_ids(const int32_t* begin, const int32_t* end) {
  uint64_t h = 0x9E3779B97F4A7C15ull;
  for (const int32_t* p = begin; p != end; ++p) {
    h ^= static_cast<uint32_t>(*p);
    h *= 0xFF51AFD7ED558CCDull;
    h ^= h >> 29;
  }
  return h;
}

}  // namespace

GrammarEngine::GrammarEngine(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const Vocabulary> vocabulary,
                             EngineLimits limits)
    : grammar_(std::move(grammar)), vocab_(std::move(vocabulary)), limits_(limits) {
  if (!grammar_ || !vocab_) throw Error("grammar engine: grammar and vocabulary are required");
  build_byte_classes();
  walk_states_.resize(vocab_->max_depth() + 2);
  flush();
  flushes_ = 0;
}

// Bytes that every byte set of the grammar treats alike share a class, so
// the transition table needs one column per class instead of 256.
void GrammarEngine::build_byte_classes() {
  int32_t cls[256] = {};
  int32_t n = 1;
  for (int32_t k = 0; k < grammar_->n_byte_sets(); ++k) {
    const ByteSet& set = grammar_->byte_set(k);
    std::vector<int32_t> remap(2 * n, -1);
    int32_t next = 0;
    for (int b = 0; b < 256; ++b) {
      int32_t& slot = remap[2 * cls[b] + (set.has(static_cast<uint8_t>(b)) ? 1 : 0)];
      if (slot < 0) slot = next++;
      cls[b] = slot;
    }
    n = next;
  }
  n_classes_ = n;
  class_byte_.assign(n, 0);
  for (int b = 255; b >= 0; --b) {
    byte_class_[b] = static_cast<uint8_t>(cls[b]);
    class_byte_[cls[b]] = static_cast<uint8_t>(b);
  }
}

void GrammarEngine::flush() {
  frames_.clear();
  frame_ids_.clear();
  frames_.push_back({-1, -1, 0});  // kComplete
  frames_.push_back({-1, -1, 0});  // kExit
  state_offsets_.assign(1, 0);
  state_stacks_.clear();
  state_flags_.clear();
  state_ids_.clear();
  transitions_.clear();
  text_loops_.clear();
  std::vector<int32_t> none;
  intern_state(none);  // kDead
  splits_.clear();
  top_masks_.clear();
  contexts_.clear();
  state_masks_.clear();
  mask_cache_bytes_ = 0;
  ++epoch_;
  ++flushes_;
}

void GrammarEngine::begin_operation() {
  work_ = 0;
  const size_t table_bytes = transitions_.size() * 4 + state_stacks_.size() * 4 + frames_.size() * 40 +
                             state_flags_.size() * 48;
  if (table_bytes > limits_.max_table_bytes) {
    flush();
  } else if (mask_cache_bytes_ > limits_.max_mask_cache_bytes) {
    top_masks_.clear();
    state_masks_.clear();
    mask_cache_bytes_ = 0;
  }
}

void GrammarEngine::count_work(int64_t steps) {
  work_ += steps;
  if (work_ > limits_.max_work)
    throw Error("grammar too complex: a token step needed more than " + std::to_string(limits_.max_work) +
                " expansion steps");
}

int32_t GrammarEngine::frame(int32_t pos, int32_t parent) {
  const uint64_t key = pair_key(pos, parent);
  auto it = frame_ids_.find(key);
  if (it != frame_ids_.end()) return it->second;
  const int32_t depth = frames_[parent].depth + 1;
  if (depth > limits_.max_stack_depth)
    throw Error("grammar nesting deeper than " + std::to_string(limits_.max_stack_depth) + " levels");
  const int32_t id = static_cast<int32_t>(frames_.size());
  frames_.push_back({pos, parent, depth});
  frame_ids_.emplace(key, id);
  return id;
}

int32_t GrammarEngine::intern_state(std::vector<int32_t>& stacks) {
  std::sort(stacks.begin(), stacks.end());
  stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
  if (static_cast<int32_t>(stacks.size()) > limits_.max_stacks)
    throw Error("grammar too ambiguous: more than " + std::to_string(limits_.max_stacks) + " parses at once");
  const uint64_t h = hash_ids(stacks.data(), stacks.data() + stacks.size());
  auto [lo, hi] = state_ids_.equal_range(h);
  for (auto it = lo; it != hi; ++it)
    if (std::equal(stacks_begin(it->second), stacks_end(it->second), stacks.begin(), stacks.end())) return it->second;
  const int32_t id = static_cast<int32_t>(state_flags_.size());
  uint8_t flags = 0;
  for (int32_t s : stacks) flags |= s == kComplete ? kHasComplete : s == kExit ? kHasExit : 0;
  state_stacks_.insert(state_stacks_.end(), stacks.begin(), stacks.end());
  state_offsets_.push_back(static_cast<int32_t>(state_stacks_.size()));
  state_flags_.push_back(flags);
  transitions_.resize(transitions_.size() + n_classes_, -1);
  state_ids_.emplace(h, id);
  // Flushes happen between operations; within one, growth is capped here.
  const size_t hard_cap = 4 * limits_.max_table_bytes + (16u << 20);
  if (transitions_.size() * 4 > hard_cap)
    throw Error("grammar too complex: its parse tables outgrew " + std::to_string(hard_cap >> 20) + " MB");
  return id;
}

// Adds the canonical stacks reached from "continue at pos, then parent":
// rules are entered (one stack per alternative), finished alternatives
// return to their parent frame, and a byte set or token stops the descent.
// A rule in tail position reuses its parent frame, so loops written as
// right recursion do not deepen the stack.
void GrammarEngine::expand(int32_t pos, int32_t parent) {
  const Grammar& g = *grammar_;
  pending_.clear();  // an earlier expansion may have stopped with an Error
  pending_.push_back({pos, parent});
  int64_t steps = 0;
  while (!pending_.empty()) {
    const auto [p, par] = pending_.back();
    pending_.pop_back();
    if (!visited_.insert(pair_key(p, par)).second) continue;
    ++steps;
    const Element& el = g.element(p);
    if (el.kind == ElementKind::kBytes || el.kind == ElementKind::kToken) {
      expanded_.push_back(frame(p, par));
    } else if (el.kind == ElementKind::kEnd) {
      if (par == kComplete || par == kExit)
        expanded_.push_back(par);
      else
        pending_.push_back({frames_[par].pos, frames_[par].parent});
    } else {
      const int32_t cont = g.element(p + 1).kind == ElementKind::kEnd ? par : frame(p + 1, par);
      for (int32_t start : g.alternatives(el.value)) pending_.push_back({start, cont});
    }
  }
  count_work(steps);
}

int32_t GrammarEngine::step(int32_t state, uint8_t byte_class) {
  const size_t slot = static_cast<size_t>(state) * n_classes_ + byte_class;
  if (transitions_[slot] >= 0) return transitions_[slot];
  const uint8_t byte = class_byte_[byte_class];
  expanded_.clear();
  if (visited_.bucket_count() > 4096) visited_ = {};
  visited_.clear();
  for (const int32_t* s = stacks_begin(state); s != stacks_end(state); ++s) {
    if (*s == kComplete || *s == kExit) continue;
    const int32_t pos = frames_[*s].pos, parent = frames_[*s].parent;
    const Element& el = grammar_->element(pos);
    if (el.kind == ElementKind::kBytes && grammar_->byte_set(el.value).has(byte)) expand(pos + 1, parent);
  }
  const int32_t next = intern_state(expanded_);
  transitions_[slot] = next;
  return next;
}

int32_t GrammarEngine::step_token(int32_t state, int32_t token) {
  expanded_.clear();
  visited_.clear();
  for (const int32_t* s = stacks_begin(state); s != stacks_end(state); ++s) {
    if (*s == kComplete || *s == kExit) continue;
    const int32_t pos = frames_[*s].pos, parent = frames_[*s].parent;
    const Element& el = grammar_->element(pos);
    if (el.kind == ElementKind::kToken && el.value == token) expand(pos + 1, parent);
  }
  return intern_state(expanded_);
}

// A token moves the parse either as a special token or through its bytes.
int32_t GrammarEngine::advance(int32_t state, int32_t token) {
  const int32_t by_token = step_token(state, token);
  int32_t by_bytes = kDead;
  const std::string& piece = vocab_->piece(token);
  if (!piece.empty() && !vocab_->is_eog(token)) {  // the trie leaves EOG pieces out too
    by_bytes = state;
    for (char c : piece)
      if ((by_bytes = step(by_bytes, byte_class_[static_cast<uint8_t>(c)])) == kDead) break;
  }
  if (by_token == kDead || by_bytes == kDead) return by_token == kDead ? by_bytes : by_token;
  std::vector<int32_t> both(stacks_begin(by_token), stacks_end(by_token));
  both.insert(both.end(), stacks_begin(by_bytes), stacks_end(by_bytes));
  return intern_state(both);
}

// Cuts a stack into its top (the frames above and including the first one
// that must still match input, re-rooted on kExit) and the rest below it.
void GrammarEngine::split(int32_t stack, int32_t& top, int32_t& rest) {
  auto it = splits_.find(stack);
  if (it != splits_.end()) {
    top = it->second.first, rest = it->second.second;
    return;
  }
  std::vector<int32_t> chain{stack};
  int32_t f = frames_[stack].parent;
  while (f != kComplete && grammar_->suffix_nullable(frames_[f].pos)) {
    chain.push_back(f);
    f = frames_[f].parent;
  }
  if (f == kComplete) {  // nothing below must match: the whole stack is the top
    top = stack, rest = -1;
  } else {
    chain.push_back(f);
    rest = frames_[f].parent;
    top = kExit;
    for (size_t k = chain.size(); k-- > 0;) top = frame(frames_[chain[k]].pos, top);
  }
  splits_.emplace(stack, std::make_pair(top, rest));
}

int32_t GrammarEngine::context_state(int32_t rest) {
  auto it = contexts_.find(rest);
  if (it != contexts_.end()) return it->second;
  expanded_.clear();
  visited_.clear();
  if (rest == kComplete)
    expanded_.push_back(kComplete);
  else
    expand(frames_[rest].pos, frames_[rest].parent);
  const int32_t s = intern_state(expanded_);
  contexts_.emplace(rest, s);
  return s;
}

bool GrammarEngine::characters_return(int32_t from, const uint8_t (*ranges)[2], int n, int32_t home) {
  if (n == 0) return from == home;
  bool seen[256] = {};
  for (int b = ranges[0][0]; b <= ranges[0][1]; ++b) {
    const uint8_t cls = byte_class_[b];
    if (seen[cls]) continue;
    seen[cls] = true;
    const int32_t next = step(from, cls);
    if (next == kDead || !characters_return(next, ranges + 1, n - 1, home)) return false;
  }
  return true;
}

// Whether every ASCII byte in `ascii` leads from `state` straight back to it,
// and so does every complete non-ASCII character. Learnt byte by byte and
// cached per state, so that states which are no text loop are rejected
// after a transition or two.
bool GrammarEngine::loops_over(int32_t state, const uint64_t* ascii) {
  if (text_loops_.size() <= static_cast<size_t>(state)) text_loops_.resize(state_flags_.size());
  if (text_loops_[state].utf8 == 0 || (state_flags_[state] & kHasExit)) return false;
  for (int w = 0; w < 2; ++w) {
    if (ascii[w] & text_loops_[state].unstable[w]) return false;
    for (uint64_t unknown = ascii[w] & ~text_loops_[state].stable[w]; unknown; unknown &= unknown - 1) {
      const int b = 64 * w + std::countr_zero(unknown);
      const bool stable = step(state, byte_class_[b]) == state;
      if (text_loops_.size() < state_flags_.size()) text_loops_.resize(state_flags_.size());
      (stable ? text_loops_[state].stable : text_loops_[state].unstable)[w] |= uint64_t{1} << (b & 63);
      if (!stable) return false;
    }
  }
  if (text_loops_[state].utf8 < 0) {
    // The shapes of well-formed multi-byte UTF-8 (lead byte, continuations).
    static const uint8_t kShapes[8][4][2] = {
        {{0xC2, 0xDF}, {0x80, 0xBF}},
        {{0xE0, 0xE0}, {0xA0, 0xBF}, {0x80, 0xBF}},
        {{0xE1, 0xEC}, {0x80, 0xBF}, {0x80, 0xBF}},
        {{0xED, 0xED}, {0x80, 0x9F}, {0x80, 0xBF}},
        {{0xEE, 0xEF}, {0x80, 0xBF}, {0x80, 0xBF}},
        {{0xF0, 0xF0}, {0x90, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}},
        {{0xF1, 0xF3}, {0x80, 0xBF}, {0x80, 0xBF}, {0x80, 0xBF}},
        {{0xF4, 0xF4}, {0x80, 0x8F}, {0x80, 0xBF}, {0x80, 0xBF}}};
    static const int kShapeLength[8] = {2, 3, 3, 3, 3, 4, 4, 4};
    bool ok = true;
    for (int k = 0; k < 8 && ok; ++k) ok = characters_return(state, kShapes[k], kShapeLength[k], state);
    if (text_loops_.size() < state_flags_.size()) text_loops_.resize(state_flags_.size());
    text_loops_[state].utf8 = ok ? 1 : 0;
  }
  return text_loops_[state].utf8 == 1;
}

// Walks the trie below `node` (whose bytes are consumed, leading to `state`)
// and sets the bit of every token the grammar accepts. A rejected prefix
// skips its subtree, and so does a subtree a text loop accepts whole. With
// `exits`, also records the nodes at which a cut-off stack top ran out and
// whose children must be checked against the context.
void GrammarEngine::walk(int32_t node, int32_t state, uint32_t* words, std::vector<int32_t>* exits) {
  const Vocabulary& v = *vocab_;
  int32_t* states = walk_states_.data();
  states[v.node_depth(node)] = state;
  const int32_t end = v.subtree_end(node);
  const int32_t* table = transitions_.data();  // reloaded whenever step() may grow it
  for (int32_t i = node + 1; i < end;) {
    const int32_t d = v.node_depth(i);
    const uint8_t cls = byte_class_[v.node_byte(i)];
    const int32_t from = states[d - 1];
    int32_t s = table[static_cast<size_t>(from) * n_classes_ + cls];
    if (s < 0) {
      s = step(from, cls);
      table = transitions_.data();
    }
    const int32_t below_end = v.subtree_end(i);
    if (s == kDead) {
      i = below_end;
      continue;
    }
    states[d] = s;
    for (const int32_t* t = v.tokens_begin(i); t != v.tokens_end(i); ++t) words[*t >> 5] |= 1u << (*t & 31);
    if (below_end > i + 1 && v.text_below(i)) {
      const bool loop = loops_over(s, v.ascii_below(i));
      table = transitions_.data();
      if (loop) {
        for (const int32_t* t = v.tokens_below_begin(i); t != v.tokens_below_end(i); ++t)
          words[*t >> 5] |= 1u << (*t & 31);
        i = below_end;
        continue;
      }
    }
    if (exits && (state_flags_[s] & kHasExit) && below_end > i + 1) exits->push_back(i);
    ++i;
  }
}

// A text that determines what the stack tops of a state accept: the rest of
// each frame's alternative and every rule reachable from them, with rules
// renumbered in order of appearance and stacks in a structural order. Equal
// texts mean equal behaviour on any input, so masks can be shared between
// grammars. Empty when the fragment is too large to be worth sharing.
std::string GrammarEngine::canonical_key(int32_t tops) const {
  constexpr size_t kMaxKey = 16384;
  const Grammar& g = *grammar_;
  auto put_int = [](std::string& out, int32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  auto put_set = [](std::string& out, const ByteSet& set) { out.append(reinterpret_cast<const char*>(set.words()), 32); };
  // Stacks in an order that does not depend on ids: by their elements,
  // rule references left anonymous.
  std::vector<std::pair<std::string, int32_t>> order;
  for (const int32_t* s = stacks_begin(tops); s != stacks_end(tops); ++s) {
    std::string shape;
    for (int32_t f = *s; f > kExit; f = frames_[f].parent) {
      for (int32_t p = frames_[f].pos; g.element(p).kind != ElementKind::kEnd; ++p) {
        const Element& el = g.element(p);
        shape += static_cast<char>('0' + static_cast<int>(el.kind));
        if (el.kind == ElementKind::kBytes) put_set(shape, g.byte_set(el.value));
        if (el.kind == ElementKind::kToken) put_int(shape, el.value);
      }
      shape += '/';
      if (shape.size() > kMaxKey) return "";
    }
    order.push_back({std::move(shape), *s});
  }
  std::sort(order.begin(), order.end());
  std::string key;
  std::unordered_map<int32_t, int32_t> renamed;
  std::vector<int32_t> rules;
  auto put_alternative = [&](int32_t p) {
    for (;; ++p) {
      const Element& el = g.element(p);
      key += static_cast<char>('0' + static_cast<int>(el.kind));
      if (el.kind == ElementKind::kEnd) return;
      if (el.kind == ElementKind::kBytes) put_set(key, g.byte_set(el.value));
      if (el.kind == ElementKind::kToken) put_int(key, el.value);
      if (el.kind == ElementKind::kRule) {
        auto [it, added] = renamed.emplace(el.value, static_cast<int32_t>(rules.size()));
        if (added) rules.push_back(el.value);
        put_int(key, it->second);
      }
    }
  };
  for (const auto& [shape, stack] : order) {
    int32_t f = stack;
    for (; f > kExit; f = frames_[f].parent) put_alternative(frames_[f].pos);
    key += f == kExit ? 'X' : 'C';
  }
  for (size_t i = 0; i < rules.size(); ++i) {
    key += 'R';
    for (int32_t start : g.alternatives(rules[i])) put_alternative(start);
    if (key.size() > kMaxKey) return "";
  }
  return key;
}

// The mask of a set of stack tops (interned as a state) that share the same
// context below them, with the trie nodes where that context takes over.
const MaskPart& GrammarEngine::top_mask(int32_t tops) {
  auto it = top_masks_.find(tops);
  if (it != top_masks_.end()) return *it->second;
  const std::string key = canonical_key(tops);
  std::shared_ptr<const MaskPart> part = key.empty() ? nullptr : vocab_->find_shared(key);
  if (!part) {
    const int32_t n_words = mask_words();
    scratch_words_.assign(n_words, 0);
    auto fresh = std::make_shared<MaskPart>();
    walk(0, tops, scratch_words_.data(), &fresh->exits);
    int32_t nonzero = 0;
    for (uint32_t w : scratch_words_) nonzero += w != 0;
    if (nonzero > n_words / 8) {
      fresh->dense = scratch_words_;
    } else {
      for (int32_t w = 0; w < n_words; ++w)
        for (uint32_t bits = scratch_words_[w]; bits; bits &= bits - 1)
          fresh->sparse.push_back(w * 32 + std::countr_zero(bits));
    }
    part = std::move(fresh);
    if (!key.empty()) vocab_->store_shared(key, part);
  }
  mask_cache_bytes_ += part->bytes();
  return *top_masks_.emplace(tops, std::move(part)).first->second;
}

// Stacks are cut into top and rest; the tops over one rest are walked
// together (inside a string: the plain, escaped and multi-byte character
// alternatives and the closing quote), then finished against that rest.
void GrammarEngine::compute_mask(int32_t state, uint32_t* words) {
  const int32_t n_words = mask_words();
  std::fill(words, words + n_words, 0u);
  const std::vector<int32_t> stacks(stacks_begin(state), stacks_end(state));  // the tables grow below
  std::vector<std::pair<int32_t, int32_t>> parts;  // (rest, top)
  for (int32_t stack : stacks) {
    if (stack == kComplete) {
      for (int32_t id : vocab_->eog_ids()) words[id >> 5] |= 1u << (id & 31);
      continue;
    }
    const Element& el = grammar_->element(frames_[stack].pos);
    if (el.kind == ElementKind::kToken) {
      if (el.value < vocab_->n_vocab()) words[el.value >> 5] |= 1u << (el.value & 31);
      continue;
    }
    int32_t top, rest;
    split(stack, top, rest);
    parts.push_back({rest, top});
  }
  std::sort(parts.begin(), parts.end());
  std::vector<int32_t> tops;
  for (size_t i = 0; i < parts.size();) {
    const int32_t rest = parts[i].first;
    tops.clear();
    for (; i < parts.size() && parts[i].first == rest; ++i) tops.push_back(parts[i].second);
    const MaskPart& tm = top_mask(intern_state(tops));
    if (!tm.dense.empty())
      for (int32_t w = 0; w < n_words; ++w) words[w] |= tm.dense[w];
    for (int32_t id : tm.sparse) words[id >> 5] |= 1u << (id & 31);
    if (tm.exits.empty() || rest < 0) continue;
    const int32_t context = context_state(rest);
    if (context == kDead) continue;
    for (int32_t node : tm.exits) walk(node, context, words, nullptr);
  }
}

int32_t GrammarEngine::resolve(ParseState& ps) {
  if (ps.epoch == epoch_ && ps.id >= 0) return ps.id;
  std::vector<int32_t> stacks;
  for (size_t i = 0; i < ps.stacks.size();) {
    const int32_t len = ps.stacks[i++];
    int32_t f = kComplete;
    for (int32_t k = 0; k < len; ++k) f = frame(ps.stacks[i + k], f);
    i += len;
    stacks.push_back(f);
  }
  ps.id = intern_state(stacks);
  ps.epoch = epoch_;
  return ps.id;
}

void GrammarEngine::store(ParseState& ps, int32_t id) {
  ps.id = id;
  ps.epoch = epoch_;
  ps.stacks.clear();
  std::vector<int32_t> positions;
  for (const int32_t* s = stacks_begin(id); s != stacks_end(id); ++s) {
    positions.clear();
    for (int32_t f = *s; f != kComplete; f = frames_[f].parent) positions.push_back(frames_[f].pos);
    ps.stacks.push_back(static_cast<int32_t>(positions.size()));
    ps.stacks.insert(ps.stacks.end(), positions.rbegin(), positions.rend());
  }
}

ParseState GrammarEngine::initial_state() {
  std::lock_guard<std::mutex> lock(mutex_);
  begin_operation();
  expanded_.clear();
  visited_.clear();
  for (int32_t start : grammar_->alternatives(grammar_->root())) expand(start, kComplete);
  ParseState ps;
  store(ps, intern_state(expanded_));
  return ps;
}

void GrammarEngine::fill_mask(ParseState& ps, uint32_t* words) {
  std::lock_guard<std::mutex> lock(mutex_);
  begin_operation();
  const int32_t state = resolve(ps);
  const size_t n_words = mask_words();
  auto it = state_masks_.find(state);
  if (it != state_masks_.end()) {
    std::memcpy(words, it->second.data(), n_words * 4);
    return;
  }
  compute_mask(state, words);
  if (mask_cache_bytes_ + n_words * 4 <= limits_.max_mask_cache_bytes) {
    state_masks_.emplace(state, std::vector<uint32_t>(words, words + n_words));
    mask_cache_bytes_ += n_words * 4 + 64;
  }
}

GrammarEngine::Accepted GrammarEngine::accept_token(ParseState& ps, int32_t token) {
  std::lock_guard<std::mutex> lock(mutex_);
  begin_operation();
  const int32_t state = resolve(ps);
  if (token < 0 || token >= vocab_->n_vocab()) return Accepted::kRejected;
  const int32_t next = advance(state, token);
  if (next != kDead) {
    store(ps, next);
    return Accepted::kAdvanced;
  }
  if (vocab_->is_eog(token) && (state_flags_[state] & kHasComplete)) return Accepted::kFinished;
  return Accepted::kRejected;
}

bool GrammarEngine::accept_bytes(ParseState& ps, std::string_view bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  begin_operation();
  int32_t state = resolve(ps);
  for (char c : bytes)
    if ((state = step(state, byte_class_[static_cast<uint8_t>(c)])) == kDead) return false;
  store(ps, state);
  return true;
}

bool GrammarEngine::can_finish(ParseState& ps) {
  std::lock_guard<std::mutex> lock(mutex_);
  begin_operation();
  return state_flags_[resolve(ps)] & kHasComplete;
}

int32_t GrammarEngine::min_bytes_to_finish(ParseState& ps) {
  std::lock_guard<std::mutex> lock(mutex_);
  begin_operation();
  const int32_t state = resolve(ps);
  int64_t best = INT32_MAX;
  for (const int32_t* s = stacks_begin(state); s != stacks_end(state); ++s) {
    int64_t sum = 0;
    for (int32_t f = *s; f != kComplete; f = frames_[f].parent) sum += grammar_->min_suffix_bytes(frames_[f].pos);
    best = std::min(best, sum);
  }
  return static_cast<int32_t>(std::min<int64_t>(best, INT32_MAX));
}

GrammarEngine::Stats GrammarEngine::stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  return {state_flags_.size(), frames_.size(), top_masks_.size(), state_masks_.size(), flushes_};
}

}  // namespace edgelm::grammar
