// The official AST checker (bfcl_eval/eval_checker/ast_eval/ast_checker.py)
// rule by rule, over Python values: simple, multiple and order-insensitive
// parallel matching; Python, Java and JavaScript type handling; strings
// compared after standardisation; optional parameters marked by "".
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/bfcl/bfcl.h"
#include "eval/bfcl/py_parse.h"

namespace edgelm::eval::bfcl::detail {

enum class Language { python, java, javascript };
// Upstream decides by name: "javascript" in it, else "java" in it, else Python.
Language language_of(const std::string& category);
bool is_irrelevance(const std::string& category);
bool is_relevance(const std::string& category);

// Lowercase, without spaces and ,./-_*^, with ' turned into ".
std::string standardize_string(const std::string& text);

// The AST check of decoded calls (not for the relevance categories).
// A ground truth or function doc upstream would raise on gives an invalid
// verdict of type "ast_checker:upstream_raises".
Verdict check_calls(const Question& question, const nlohmann::json& ground_truth,
                    const std::vector<py::DecodedCall>& calls, const CheckOptions& options);

}  // namespace edgelm::eval::bfcl::detail
