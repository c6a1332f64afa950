// The official BFCL decoder for python-prompting output, rebuilt: the text is
// stripped of backticks, newlines and spaces, wrapped in [ ] when it is not
// already, parsed as one Python expression, and must be a list of calls.
// Each call's keyword arguments become values the way upstream's resolver
// makes them:
//   literals as Python values (tuples stay tuples, "..." for Ellipsis);
//   a bare name as its text (x=foo gives 'foo');
//   a unary operator on a literal as its negation (upstream negates for
//   every unary operator, so +5 gives -5);
//   arithmetic evaluated (2**10 gives 1024);
//   a nested call with keywords as {name: {args}}, one without keywords as
//   its unparsed text ("np.array([1, 2])"), a subscript as its text;
//   positional arguments are dropped.
// Anything upstream fails on (sets, attributes, comparisons, f-strings,
// unhashable dict keys, a list element that is not a call) throws.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "eval/bfcl/py_value.h"

namespace edgelm::eval::bfcl::py {

// Brackets, calls and unary operators nest at most this deep, and an
// expression tree (a long a+b+c+... chain) at most kMaxTreeDepth.
constexpr int kMaxNesting = 64;
constexpr int kMaxTreeDepth = 200;
// Longer model output is refused outright.
constexpr size_t kMaxTextBytes = size_t{4} << 20;

struct DecodedCall {
  std::string name;  // dotted, e.g. "math.hypot"; "" when the callee is not a (dotted) name
  Value args;        // dict: str keys, plus a None key for a `**x` argument
};

// Throws edgelm::Error with the reason when upstream's decoder would fail.
std::vector<DecodedCall> decode_python(std::string_view model_output);

}  // namespace edgelm::eval::bfcl::py
