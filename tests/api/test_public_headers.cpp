// The public headers stand on their own: every one of them compiles in a
// translation unit that includes nothing else, and none brings a third-party
// header with it (an embedder picks its own JSON library).
#include "edgelm/bench.h"
#include "edgelm/chat.h"
#include "edgelm/edgelm.h"
#include "edgelm/error.h"
#include "edgelm/inspect.h"
#include "edgelm/json.h"
#include "edgelm/json_input.h"
#include "edgelm/memory_plan.h"
#include "edgelm/synth.h"
#include "edgelm/toolcalls.h"

#ifdef NLOHMANN_JSON_VERSION_MAJOR
#error "a public header includes nlohmann/json"
#endif

#include <gtest/gtest.h>

namespace {

// The JSON value as an embedder sees it: text in, text out, key order kept.
TEST(PublicJson, ParsesDumpsAndKeepsKeyOrder) {
  const edgelm::Json j = edgelm::Json::parse(R"({"z": 1, "a": [true, null, "x"]})");
  EXPECT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 2u);
  EXPECT_EQ(j.dump(), R"({"z":1,"a":[true,null,"x"]})");
  EXPECT_TRUE(edgelm::Json().is_null());
  EXPECT_TRUE(edgelm::Json::array().is_array());
  EXPECT_EQ(edgelm::Json::object().dump(), "{}");
  edgelm::Json copy = j;
  EXPECT_EQ(copy, j);
  edgelm::Json moved = std::move(copy);
  EXPECT_EQ(moved, j);
  EXPECT_TRUE(copy.is_null());   // a moved-from value is valid (null)
  EXPECT_THROW(edgelm::Json::parse("{nope"), edgelm::Error);
  EXPECT_THROW(edgelm::Json::parse(std::string(100000, '[')), edgelm::Error);   // refused before parsing
}

}  // namespace
