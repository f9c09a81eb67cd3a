// r1::ChatTemplate: DeepSeek-V3 and DeepSeek-R1 chat templates, reproduced
// from their tokenizer_config.json Jinja (quirks included) without a Jinja
// engine. The special-token strings are data, so the same logic serves
// DeepSeek's vocab, R1-Distill vocabs and the tiny tokenizers train_bpe writes.
#pragma once
#include <string>
#include <vector>

#include "base/json.h"
#include "tokenizer/tokenizer.h"

namespace r1 {

struct ToolCall {
  std::string type = "function";
  std::string name;
  std::string arguments;  // JSON text, inserted verbatim
};

struct ChatMessage {
  std::string role;               // system | user | assistant | tool
  std::string content;
  std::string reasoning_content;  // assistant only; see ChatTemplate::render
  bool content_is_null = false;   // JSON null content (assistant turns that only call tools)
  std::vector<ToolCall> tool_calls;

  ChatMessage() = default;
  ChatMessage(std::string r, std::string c, std::string reasoning = "")
      : role(std::move(r)), content(std::move(c)), reasoning_content(std::move(reasoning)) {}
};

// OpenAI-style JSON messages: [{"role", "content" (string or null),
// "reasoning_content"?, "tool_calls"?: [{"type", "function": {"name", "arguments"}}]}].
std::vector<ChatMessage> chat_messages_from_json(const json& j);

class ChatTemplate {
 public:
  enum class Style { DeepSeekV3, DeepSeekR1 };
  Style style = Style::DeepSeekR1;
  std::string bos = "<｜begin▁of▁sentence｜>", eos = "<｜end▁of▁sentence｜>";
  std::string user = "<｜User｜>", assistant = "<｜Assistant｜>";
  std::string think_open = "<think>", think_close = "</think>";
  std::string calls_begin = "<｜tool▁calls▁begin｜>", calls_end = "<｜tool▁calls▁end｜>";
  std::string call_begin = "<｜tool▁call▁begin｜>", call_end = "<｜tool▁call▁end｜>", sep = "<｜tool▁sep｜>";
  std::string outputs_begin = "<｜tool▁outputs▁begin｜>", outputs_end = "<｜tool▁outputs▁end｜>";
  std::string output_begin = "<｜tool▁output▁begin｜>", output_end = "<｜tool▁output▁end｜>";

  static ChatTemplate deepseek_v3();
  static ChatTemplate deepseek_r1();
  // From the tokenizer: its tokenizer_config.json chat_template decides the
  // style (R1 if it handles </think>, V3 if it is DeepSeek's without it); a
  // tokenizer without a template gets the R1 style. bos/eos come from the tokenizer.
  static ChatTemplate for_tokenizer(const Tokenizer& tok);

  // Renders like the Jinja template. think_prefill: the generation prompt ends
  // with "<think>\n" (R1's template always does; pass false to omit it, true to
  // add it in V3 style). Assistant turns drop everything up to the last
  // </think> in R1 style. reasoning_content of the *last* message, when it is an
  // assistant turn and keep_last_reasoning is set, is rendered as
  // "<think>\n" + reasoning + "\n</think>\n\n" + content (for training data).
  std::string render(const std::vector<ChatMessage>& msgs, bool add_generation_prompt, bool think_prefill,
                     bool keep_last_reasoning = false) const;
  std::string render(const std::vector<ChatMessage>& msgs, bool add_generation_prompt) const {
    return render(msgs, add_generation_prompt, style == Style::DeepSeekR1);
  }
  // The Jinja source of this template (HF's tokenizer_config.json chat_template).
  std::string to_jinja() const;
};

}  // namespace r1
