// The chat rendering API (include/edgelm/chat.h) and the `edgelm template`
// command, run in-process.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "chat/json_value.h"
#include "cli/commands.h"
#include "edgelm/chat.h"
#include "gguf/gguf.h"

namespace {

namespace fs = std::filesystem;
using edgelm::chat::ChatInputs;
using edgelm::chat::ChatTemplate;
using edgelm::chat::Family;
using Json = nlohmann::ordered_json;

const fs::path kShared = fs::path(EDGELM_SHARED_DIR) / "chat";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string template_source(const std::string& name) { return read_file(kShared / "templates" / (name + ".jinja")); }

std::tm frozen_clock() {
  std::tm t{};
  t.tm_year = 126;
  t.tm_mon = 0;
  t.tm_mday = 15;
  t.tm_hour = 9;
  t.tm_min = 30;
  t.tm_wday = 4;
  t.tm_yday = 14;
  return t;
}

ChatInputs user_says(const std::string& text) {
  ChatInputs in;
  native(in.messages) = Json::array({{{"role", "user"}, {"content", text}}});
  return in;
}

TEST(ChatApi, DetectsFamilies) {
  const std::pair<const char*, Family> expected[] = {
      {"Qwen-Qwen3-0.6B", Family::Qwen3},
      {"Qwen3-Coder", Family::Qwen35},
      {"Qwen3.5-2B.derived", Family::Qwen35},
      {"Qwen3.5-4B", Family::Qwen35},
      {"google-gemma-2-2b-it", Family::Gemma2},
      {"google-gemma-3-it", Family::Gemma3},
      {"google-gemma-4-31B-it", Family::Gemma4},
      {"google-gemma-4-31B-it-interleaved", Family::Gemma4},
      {"google-gemma-4-31B-it.2026-07", Family::Gemma4},
      {"google-gemma-4-E2B-it", Family::Gemma4},
      {"google-gemma-4-E2B-it.2026-04-13", Family::Gemma4},
      {"meta-llama-Llama-3.2-3B-Instruct", Family::Llama3},
  };
  for (const auto& [name, family] : expected) {
    EXPECT_EQ(edgelm::chat::detect_family(template_source(name)), family) << name;
    EXPECT_EQ(ChatTemplate(template_source(name)).family(), family) << name;
  }
  EXPECT_EQ(edgelm::chat::detect_family("{{ messages }}"), Family::Unknown);
  EXPECT_STREQ(edgelm::chat::family_name(Family::Qwen35), "qwen35");
  EXPECT_STREQ(edgelm::chat::family_name(Family::Unknown), "unknown");
}

TEST(ChatApi, RendersWithSpecialTokensKwargsAndClock) {
  ChatTemplate tmpl(template_source("meta-llama-Llama-3.2-3B-Instruct"));
  ChatInputs in = user_says("Hi");
  native(in.special_tokens) = {{"bos_token", "<|begin_of_text|>"}, {"eos_token", "<|eot_id|>"}};
  native(in.kwargs) = {{"add_generation_prompt", true}};
  in.clock = frozen_clock;
  EXPECT_EQ(tmpl.render(in),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            "Cutting Knowledge Date: December 2023\nToday Date: 15 Jan 2026\n\n<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  // kwargs override special tokens; date_string overrides the clock.
  native(in.kwargs)["bos_token"] = "[BOS]";
  native(in.kwargs)["date_string"] = "01 Feb 2030";
  const std::string out = tmpl.render(in);
  EXPECT_EQ(out.rfind("[BOS]", 0), 0u);
  EXPECT_NE(out.find("Today Date: 01 Feb 2030"), std::string::npos);
}

TEST(ChatApi, ToolsNullIsDefinedButFalsy) {
  ChatTemplate tmpl("{{ tools is defined }} {{ tools is none }} {{ documents is none }} {{ enable_thinking is defined }}");
  EXPECT_EQ(tmpl.render(user_says("x")), "True True True False");
  ChatInputs in = user_says("x");
  native(in.kwargs) = {{"enable_thinking", false}};
  EXPECT_EQ(tmpl.render(in), "True True True True");
}

TEST(ChatApi, KeepsJsonKeyOrderAndNumberKinds) {
  ChatTemplate tmpl("{{ d|tojson }} {% for k, v in d|items %}{{ k }}={{ v }} {% endfor %}");
  ChatInputs in;
  native(in.kwargs) = {{"d", Json::parse(R"({"z": 3.0, "a": 3, "m": 1e-7})")}};
  EXPECT_EQ(tmpl.render(in), R"({"z": 3.0, "a": 3, "m": 1e-07} z=3.0 a=3 m=1e-07 )");
}

TEST(ChatApi, GenerationPrompt) {
  ChatInputs in = user_says("Hello!");
  native(in.special_tokens) = {{"bos_token", "<bos>"}};
  EXPECT_EQ(edgelm::chat::generation_prompt(ChatTemplate(template_source("google-gemma-4-31B-it")), in),
            "<|turn>model\n<|channel>thought\n<channel|>");
  native(in.kwargs) = {{"enable_thinking", false}};
  EXPECT_EQ(edgelm::chat::generation_prompt(ChatTemplate(template_source("Qwen-Qwen3-0.6B")), in),
            "<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

TEST(ChatApi, TemplateErrorsKeepClassMessageAndLine) {
  try {
    ChatTemplate(template_source("google-gemma-2-2b-it")).render(ChatInputs{});
    FAIL() << "expected an error for an empty conversation";
  } catch (const edgelm::chat::TemplateError& e) {
    EXPECT_EQ(e.type(), "UndefinedError");
    EXPECT_EQ(e.message(), "list object has no element 0");
    EXPECT_STREQ(e.what(), "list object has no element 0");
  }
  try {
    ChatTemplate("line one\n{% if x %}\n{{ y + }}\n{% endif %}");
    FAIL() << "expected a syntax error";
  } catch (const edgelm::chat::TemplateError& e) {
    EXPECT_EQ(e.type(), "TemplateSyntaxError");
    EXPECT_EQ(e.line(), 3);
  }
  ChatInputs bad;
  native(bad.kwargs) = Json::array();
  EXPECT_THROW(ChatTemplate("x").render(bad), edgelm::Error);
}

// ---- edgelm template -------------------------------------------------------

class TemplateCommand : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("edgelm_test_template_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  // Runs `edgelm template ARGS...`; returns the exit status, fills out/err.
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), "template");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    testing::internal::CaptureStdout();
    testing::internal::CaptureStderr();
    int rc = 0;
    try {
      rc = edgelm::cli::cmd_template(static_cast<int>(argv.size()), argv.data());
    } catch (const edgelm::Error& e) {
      rc = -2;  // main() prints these and exits with status 2
      thrown_ = e.what();
    }
    out_ = testing::internal::GetCapturedStdout();
    err_ = testing::internal::GetCapturedStderr();
    return rc;
  }

  fs::path dir_;
  std::string out_, err_, thrown_;
};

TEST_F(TemplateCommand, RendersAReferenceRecordFile) {
  // A line of the reference renders is accepted as the --messages file as is.
  std::ifstream records(kShared / "rendered" / "Qwen3.5-4B.public.jsonl");
  std::string line;
  std::getline(records, line);
  const Json rec = Json::parse(line);
  const std::string messages = write("record.json", line);
  ASSERT_EQ(run({"--template", (kShared / "templates" / "Qwen3.5-4B.jinja").string(), "--messages", messages}), 0)
      << err_ << thrown_;
  EXPECT_EQ(out_, rec["rendered"].get<std::string>());
  EXPECT_EQ(err_, "");
}

TEST_F(TemplateCommand, ArrayOfMessagesWithKwargsToolsAndClock) {
  const std::string messages = write("m.json", R"([{"role": "user", "content": "Hi"}])");
  const std::string tools = write("t.json", R"({"tools": [{"type": "function", "function": {"name": "f"}}]})");
  const std::string tmpl = write("t.jinja",
                                 "{{ bos_token }}|{{ messages[0].content }}|{{ tools[0].function.name }}|"
                                 "{{ add_generation_prompt }}|{{ strftime_now('%Y-%m-%d %H:%M') }}\n");
  ASSERT_EQ(run({"--template", tmpl, "--messages", messages, "--tools", tools, "--kwargs",
                 R"({"add_generation_prompt": true})", "--now", "2026-01-15T09:30:00", "--bos", "<s>"}),
            0)
      << err_ << thrown_;
  EXPECT_EQ(out_, "<s>|Hi|f|True|2026-01-15 09:30");  // trailing newline of the template dropped, as in Jinja2
}

TEST_F(TemplateCommand, TemplateErrorExitsWithStatusOne) {
  const std::string messages = write("m.json", R"([{"role": "system", "content": "S"}])");
  ASSERT_EQ(run({"--template", (kShared / "templates" / "google-gemma-2-2b-it.jinja").string(), "--messages", messages}),
            1);
  EXPECT_EQ(out_, "");
  EXPECT_NE(err_.find("TemplateError: System role not supported"), std::string::npos) << err_;
}

TEST_F(TemplateCommand, BadUsage) {
  const std::string messages = write("m.json", "[]");
  EXPECT_EQ(run({"--template", write("t.jinja", "x")}), 2);  // --messages is required
  EXPECT_EQ(run({"--messages", messages}), -2);              // neither -m nor --template
  EXPECT_EQ(run({"--template", write("t2.jinja", "x"), "--messages", messages, "--now", "yesterday"}), -2);
  EXPECT_NE(thrown_.find("--now"), std::string::npos);
  EXPECT_EQ(run({"--template", write("t3.jinja", "x"), "--messages", write("bad.json", "{nope")}), -2);
}

TEST_F(TemplateCommand, ReadsTemplateAndSpecialTokensFromGguf) {
  edgelm::gguf::Writer w;
  w.set_string("general.architecture", "llama");
  w.set_string("tokenizer.chat_template", "{{ bos_token }}{% for m in messages %}{{ m.content }}{% endfor %}{{ eos_token }}");
  w.set_string("tokenizer.chat_template.tool_use", "tools:{{ tools|length }}");
  w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "hi"});
  w.set_u32("tokenizer.ggml.bos_token_id", 1);
  w.set_u32("tokenizer.ggml.eos_token_id", 2);
  const std::string model = (dir_ / "tiny.gguf").string();
  w.write(model);

  const edgelm::chat::GgufChatInfo info = edgelm::chat::read_gguf_chat_info(model);
  ASSERT_TRUE(info.chat_template.has_value());
  EXPECT_EQ(native(info.special_tokens), Json({{"bos_token", "<s>"}, {"eos_token", "</s>"}}));

  const std::string messages = write("m.json", R"({"messages": [{"role": "user", "content": "Yo"}], "tools": [1, 2]})");
  ASSERT_EQ(run({"-m", model, "--messages", messages}), 0) << err_ << thrown_;
  EXPECT_EQ(out_, "<s>Yo</s>");
  ASSERT_EQ(run({"-m", model, "--variant", "tool_use", "--messages", messages}), 0) << err_ << thrown_;
  EXPECT_EQ(out_, "tools:2");
}

}  // namespace
