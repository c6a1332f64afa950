// An independent JSON-schema validator for the tests: it checks the keywords
// the grammar engine supports with ordinary JSON Schema semantics (PCRE2 for
// "pattern", hand-written checks for "format"), so that grammar outputs can
// be validated without trusting the code that produced them.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace edgelm::testing {

// The first violation found ("" if the instance is valid). `document` is the
// schema's root, for $ref.
std::string validate_json(const nlohmann::ordered_json& instance, const nlohmann::ordered_json& schema);

// Parses one JSON text; rejects duplicate keys and trailing text.
bool parse_json_strict(const std::string& text, nlohmann::ordered_json& out, std::string& error);

// Formats, exposed for direct tests.
bool is_date(const std::string& s);
bool is_time(const std::string& s);
bool is_date_time(const std::string& s);
bool is_uuid(const std::string& s);
bool is_email(const std::string& s);

}  // namespace edgelm::testing
