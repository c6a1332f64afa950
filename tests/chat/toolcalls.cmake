# Tests of the tool-call parsers (src/chat/toolcalls) and of `edgelm toolcalls`.
# Included from tests/chat/CMakeLists.txt.

# The parsers belong to edgelm_chat. Until that library exists, compile them into a
# stand-in so these tests can be built on their own.
if(TARGET edgelm_chat)
  set(EDGELM_TOOLCALLS_LIB edgelm_chat)
else()
  file(GLOB EDGELM_TOOLCALLS_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/chat/toolcalls/*.cpp)
  add_library(edgelm_toolcalls_standin STATIC ${EDGELM_TOOLCALLS_SOURCES})
  target_include_directories(edgelm_toolcalls_standin PUBLIC ${CMAKE_SOURCE_DIR}/src ${CMAKE_SOURCE_DIR}/include)
  target_link_libraries(edgelm_toolcalls_standin PUBLIC nlohmann_json::nlohmann_json)
  set(EDGELM_TOOLCALLS_LIB edgelm_toolcalls_standin)
endif()

# The CLI command is compiled in directly (it only needs the parsers and CLI11), so the
# test does not depend on the rest of the `edgelm` executable.
edgelm_add_test(test_toolcalls
  ${CMAKE_CURRENT_SOURCE_DIR}/test_toolcalls.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/test_toolcalls_cases.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/test_toolcalls_fuzz.cpp
  ${CMAKE_SOURCE_DIR}/src/cli/cmd_toolcalls.cpp
  ${CMAKE_SOURCE_DIR}/src/cli/common.cpp)
target_include_directories(test_toolcalls PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(test_toolcalls PRIVATE ${EDGELM_TOOLCALLS_LIB} CLI11::CLI11 nlohmann_json::nlohmann_json)
