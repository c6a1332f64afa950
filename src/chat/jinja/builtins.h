// Built-in filters, tests, methods of Python objects, globals and operators.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/jinja/ast.h"
#include "chat/jinja/interpreter.h"
#include "chat/jinja/value.h"

namespace edgelm::jinja {

using FilterFn = Value (*)(Interpreter&, const Value& operand, const CallArgs& args);
using TestFn = bool (*)(Interpreter&, const Value& operand, const CallArgs& args);

// Jinja2's filter names; a few that chat templates do not need are known
// (so templates naming them still parse) but have no implementation.
bool filter_exists(std::string_view name);
FilterFn find_filter(std::string_view name);  // nullptr when unknown or not implemented
TestFn find_test(std::string_view name);
BuiltinFn find_global(std::string_view name);  // range, namespace, dict, raise_exception, strftime_now

// Python attribute lookup for methods of builtin types: Found (a callable
// method), Unsafe (exists but the immutable sandbox forbids it: list.append,
// dict.update, dunder attributes) or Missing.
enum class AttrLookup { Found, Unsafe, Missing };
AttrLookup find_method(const Value& self, std::string_view name);
Value call_method(Interpreter& in, const Value& self, const std::string& name, const CallArgs& args);
// Python getattr(obj, name) under the sandbox (no item fallback): a bound
// method, a namespace/loop attribute, an "unsafe" undefined, or nullopt.
std::optional<Value> python_attribute(const Value& obj, const std::string& name);
// Attributes of the loop object (loop.index, loop.cycle, ...); nullopt when unknown.
std::optional<Value> loop_attribute(const Value& loop, std::string_view name);

// Operators with Python semantics (operators.cpp).
Value binary_op(Interpreter& in, ast::BinOp op, const Value& a, const Value& b);
Value negate(const Value& v, bool minus);
bool compare(ast::BinOp op, const Value& a, const Value& b);  // == != < <= > >= in, not in
bool contains(const Value& container, const Value& item);      // Python `item in container`

// Python-style argument binding for builtins: fills `out` (one slot per name)
// from positional and keyword arguments. TypeError for too many arguments or
// an unknown keyword.
std::vector<std::optional<Value>> bind_args(const CallArgs& args, const std::vector<const char*>& names,
                                            const char* func);

// Helpers shared by the builtins.
int64_t to_index(const Value& v, const char* what);  // an int (or bool) argument, TypeError otherwise
const std::string& to_string_arg(const Value& v, const char* what);  // a str argument, TypeError otherwise

}  // namespace edgelm::jinja
