// Chat templates: DeepSeek-V3 cases (string and ids, from transformers/jinja2
// renders), R1 template behaviour, and streaming decode.
#include <gtest/gtest.h>

#include "base/error.h"
#include "base/utf8.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/chat_template.h"
#include "tokenizer_test_util.h"

using namespace r1;

TEST(TokenizerChat, DeepSeekV3Cases) {
  const Tokenizer& t = tt::deepseek_v3();
  ChatTemplate ct = ChatTemplate::for_tokenizer(t);
  ASSERT_EQ(ct.style, ChatTemplate::Style::DeepSeekV3);
  auto cases = tt::read_jsonl(tt::data("chat_template_cases.jsonl"));
  ASSERT_EQ(cases.size(), 20u);
  for (auto& c : cases) {
    auto msgs = chat_messages_from_json(c["messages"]);
    std::string s = ct.render(msgs, c["add_generation_prompt"].get<bool>());
    EXPECT_EQ(s, c["rendered"].get<std::string>()) << c["name"];
    EXPECT_EQ(t.encode(s), c["ids"].get<std::vector<int32_t>>()) << c["name"];
  }
}

TEST(TokenizerChat, R1StripsReasoningAndPrefillsThink) {
  const Tokenizer& t = tt::deepseek_r1();
  ChatTemplate ct = ChatTemplate::deepseek_r1();
  std::vector<ChatMessage> m = {{"system", "Be brief."},
                                {"user", "2+2?"},
                                {"assistant", "<think>\nadd them\n</think>\n\n4"},
                                {"user", "3+3?"}};
  std::string s = ct.render(m, true);
  EXPECT_EQ(s, "<｜begin▁of▁sentence｜>Be brief.<｜User｜>2+2?<｜Assistant｜>\n\n4<｜end▁of▁sentence｜><｜User｜>3+3?<｜Assistant｜><think>\n");
  std::vector<int32_t> ids = t.encode(s);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids[0], t.bos_id());
  EXPECT_EQ(ids[ids.size() - 2], 128798);  // <think> is one id in R1
  EXPECT_EQ(t.decode(ids), s);
  EXPECT_EQ(ct.render(m, true, false), s.substr(0, s.size() - 8));  // without "<think>\n"
  // Training render keeps the last turn's reasoning.
  std::vector<ChatMessage> m2 = {{"user", "hi"}, {"assistant", "hello", "greet"}};
  EXPECT_EQ(ct.render(m2, false, false, true),
            "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜><think>\ngreet\n</think>\n\nhello<｜end▁of▁sentence｜>");
}

TEST(TokenizerChat, R1ToolCallsCloseEveryTime) {
  ChatTemplate ct = ChatTemplate::deepseek_r1();
  ChatMessage a("assistant", "");
  a.content_is_null = true;
  a.tool_calls = {{"function", "f", "{}"}};
  std::vector<ChatMessage> m = {{"user", "q"}, a, {"tool", "r1"}, {"tool", "r2"}};
  EXPECT_EQ(ct.render(m, true),
            "<｜begin▁of▁sentence｜><｜User｜>q<｜Assistant｜><｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n"
            "```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜><｜end▁of▁sentence｜><｜tool▁outputs▁begin｜>"
            "<｜tool▁output▁begin｜>r1<｜tool▁output▁end｜><｜tool▁output▁begin｜>r2<｜tool▁output▁end｜><｜tool▁outputs▁end｜>");
}

TEST(TokenizerChat, UnknownRoleIsAnError) {
  ChatTemplate ct = ChatTemplate::deepseek_r1();
  EXPECT_THROW(ct.render({{"robot", "x"}}, false), r1::Error);
}

TEST(TokenizerStream, EmitsOnlyCompleteUtf8) {
  const Tokenizer& t = tt::deepseek_v3();
  std::string text = "héllo 世界 😀👍🏽 done\n<｜User｜>x";
  std::vector<int32_t> ids = t.encode(text);
  StreamDecoder sd(t);
  std::string acc;
  for (int32_t id : ids) {
    std::string part = sd.push(id);
    EXPECT_TRUE(r1::utf8_valid(part));
    acc += part;
  }
  acc += sd.finish();
  EXPECT_EQ(acc, text);
  // Byte tokens of one emoji: nothing until the last byte arrives.
  StreamDecoder s2(t);
  std::string emoji = "😀";
  for (size_t i = 0; i < emoji.size(); i++) {
    int32_t id = t.token_to_id(r1::tok::byte_symbol((uint8_t)emoji[i]));
    ASSERT_GE(id, 0);
    EXPECT_EQ(s2.push(id), i + 1 < emoji.size() ? "" : emoji);
  }
  // A cut sequence followed by ASCII becomes U+FFFD, as decode() does.
  StreamDecoder s3(t);
  int32_t f0 = t.token_to_id(r1::tok::byte_symbol(0xF0));
  EXPECT_EQ(s3.push(f0), "");
  EXPECT_EQ(s3.push(t.token_to_id("a")), "\xEF\xBF\xBD" "a");
  EXPECT_EQ(t.decode({f0, t.token_to_id("a")}), "\xEF\xBF\xBD" "a");
  EXPECT_EQ(s3.finish(), "");
}
