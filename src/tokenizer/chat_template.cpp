// DeepSeek chat templates (see chat_template.h). The control flow mirrors the
// Jinja: ns.is_first / ns.is_tool / ns.is_output_first, V3's tool-call quirks
// (calls_end + eos only after a later call, is_first never reset).
#include "tokenizer/chat_template.h"

#include "base/error.h"

namespace r1 {

std::vector<ChatMessage> chat_messages_from_json(const json& j) {
  R1_CHECK(j.is_array(), "chat messages: expected an array");
  std::vector<ChatMessage> out;
  for (size_t i = 0; i < j.size(); i++) {
    const json& m = j[i];
    R1_CHECK(m.is_object() && m.contains("role") && m["role"].is_string(), "chat messages[", i, "]: no role");
    ChatMessage c;
    c.role = m["role"];
    if (!m.contains("content") || m["content"].is_null()) c.content_is_null = true;
    else if (m["content"].is_string()) c.content = m["content"];
    else fail("chat messages[", i, "]: content must be a string or null");
    if (m.contains("reasoning_content") && m["reasoning_content"].is_string()) c.reasoning_content = m["reasoning_content"];
    if (m.contains("tool_calls") && m["tool_calls"].is_array())
      for (const json& t : m["tool_calls"]) {
        ToolCall tc;
        if (t.contains("type") && t["type"].is_string()) tc.type = t["type"];
        R1_CHECK(t.contains("function") && t["function"].is_object(), "chat messages[", i, "]: tool call without function");
        const json& f = t["function"];
        if (f.contains("name") && f["name"].is_string()) tc.name = f["name"];
        if (f.contains("arguments")) tc.arguments = f["arguments"].is_string() ? f["arguments"].get<std::string>() : f["arguments"].dump();
        c.tool_calls.push_back(tc);
      }
    out.push_back(std::move(c));
  }
  return out;
}

ChatTemplate ChatTemplate::deepseek_v3() {
  ChatTemplate t;
  t.style = Style::DeepSeekV3;
  return t;
}

ChatTemplate ChatTemplate::deepseek_r1() { return ChatTemplate(); }

ChatTemplate ChatTemplate::for_tokenizer(const Tokenizer& tok) {
  const std::string& src = tok.chat_template_source();
  ChatTemplate t;
  if (!src.empty() && src.find("</think>") == std::string::npos && src.find("tool_calls") != std::string::npos &&
      src.find("ns.is_first") != std::string::npos)
    t.style = Style::DeepSeekV3;
  if (tok.bos_id() >= 0) t.bos = tok.id_to_token(tok.bos_id());
  if (tok.eos_id() >= 0) t.eos = tok.id_to_token(tok.eos_id());
  return t;
}

std::string ChatTemplate::render(const std::vector<ChatMessage>& msgs, bool add_generation_prompt,
                                 bool think_prefill, bool keep_last_reasoning) const {
  const bool r1 = style == Style::DeepSeekR1;
  std::string out = bos;
  bool first_sp = true;
  for (auto& m : msgs)
    if (m.role == "system") {
      if (!first_sp) out += "\n\n";
      out += m.content;
      first_sp = false;
    }
  bool is_first = false, is_tool = false, is_output_first = true;
  auto call_text = [&](const ToolCall& c) {
    return call_begin + c.type + sep + c.name + "\n```json\n" + c.arguments + "\n```" + call_end;
  };
  for (size_t i = 0; i < msgs.size(); i++) {
    const ChatMessage& m = msgs[i];
    if (m.role == "user") {
      is_tool = false;
      out += user + m.content;
    } else if (m.role == "assistant") {
      // V3 takes the tool branch when content is null; R1 when tool_calls is present.
      bool tool_branch = r1 ? !m.tool_calls.empty() : m.content_is_null;
      if (tool_branch) {
        is_tool = false;
        for (const ToolCall& c : m.tool_calls) {
          if (!is_first) {
            out += assistant;
            if (r1 && !m.content_is_null) out += m.content;
            out += calls_begin + call_text(c);
            is_first = true;
          } else {
            out += '\n';
            out += call_text(c);
            if (!r1) out += calls_end + eos;
          }
        }
        if (r1) out += calls_end + eos;
      } else if (is_tool) {
        out += outputs_end + m.content + eos;
        is_tool = false;
      } else {
        std::string content = m.content;
        if (r1) {
          size_t k = content.rfind(think_close);
          if (k != std::string::npos) content = content.substr(k + think_close.size());
        }
        if (keep_last_reasoning && i + 1 == msgs.size() && !m.reasoning_content.empty())
          content = think_open + "\n" + m.reasoning_content + "\n" + think_close + "\n\n" + content;
        out += assistant + content + eos;
      }
    } else if (m.role == "tool") {
      is_tool = true;
      if (is_output_first) {
        out += outputs_begin + output_begin + m.content + output_end;
        is_output_first = false;
      } else {
        if (!r1) out += '\n';
        out += output_begin + m.content + output_end;
      }
    } else if (m.role != "system") {
      fail("chat template: unknown role '", m.role, "' in message ", i);
    }
  }
  if (is_tool) out += outputs_end;
  if (add_generation_prompt && !is_tool) {
    out += assistant;
    if (think_prefill) out += think_open + "\n";
  }
  return out;
}

std::string ChatTemplate::to_jinja() const {
  const bool r1 = style == Style::DeepSeekR1;
  auto q = [](const std::string& s) { return "'" + s + "'"; };
  auto call = [&](const char* lead) {
    return std::string(lead) + q(call_begin) + " + tool['type'] + " + q(sep) +
           " + tool['function']['name'] + '\\n' + '```json' + '\\n' + tool['function']['arguments'] + '\\n' + '```' + " +
           q(call_end);
  };
  std::string s;
  s += "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}";
  s += "{% set ns = namespace(is_first=false, is_tool=false, is_output_first=true, system_prompt='', is_first_sp=true) %}";
  s += "{%- for message in messages %}{%- if message['role'] == 'system' %}{%- if ns.is_first_sp %}"
       "{% set ns.system_prompt = ns.system_prompt + message['content'] %}{% set ns.is_first_sp = false %}"
       "{%- else %}{% set ns.system_prompt = ns.system_prompt + '\\n\\n' + message['content'] %}{%- endif %}"
       "{%- endif %}{%- endfor %}{{ bos_token }}{{ ns.system_prompt }}";
  s += "{%- for message in messages %}{%- if message['role'] == 'user' %}{%- set ns.is_tool = false -%}{{" + q(user) +
       " + message['content']}}{%- endif %}";
  if (r1) {
    s += "{%- if message['role'] == 'assistant' and 'tool_calls' in message %}{%- set ns.is_tool = false -%}"
         "{%- for tool in message['tool_calls'] %}{%- if not ns.is_first %}{%- if message['content'] is none %}{{" +
         call(("'" + assistant + "' + '" + calls_begin + "' + ").c_str()) + "}}{%- else %}{{" + q(assistant) +
         " + message['content'] + " + call(("'" + calls_begin + "' + ").c_str()) +
         "}}{%- endif %}{%- set ns.is_first = true -%}{%- else %}{{" + call("'\\n' + ") +
         "}}{%- endif %}{%- endfor %}{{" + q(calls_end + eos) + "}}{%- endif %}";
    s += "{%- if message['role'] == 'assistant' and 'tool_calls' not in message %}{%- if ns.is_tool %}{{" +
         q(outputs_end) + " + message['content'] + " + q(eos) +
         "}}{%- set ns.is_tool = false -%}{%- else %}{% set content = message['content'] %}{% if '" + think_close +
         "' in content %}{% set content = content.split('" + think_close + "')[-1] %}{% endif %}{{" + q(assistant) +
         " + content + " + q(eos) + "}}{%- endif %}{%- endif %}";
  } else {
    s += "{%- if message['role'] == 'assistant' and message['content'] is none %}{%- set ns.is_tool = false -%}"
         "{%- for tool in message['tool_calls']%}{%- if not ns.is_first %}{{" +
         call(("'" + assistant + calls_begin + "' + ").c_str()) + "}}{%- set ns.is_first = true -%}{%- else %}{{" +
         call("'\\n' + ") + "}}{{" + q(calls_end + eos) + "}}{%- endif %}{%- endfor %}{%- endif %}";
    s += "{%- if message['role'] == 'assistant' and message['content'] is not none %}{%- if ns.is_tool %}{{" +
         q(outputs_end) + " + message['content'] + " + q(eos) + "}}{%- set ns.is_tool = false -%}{%- else %}{{" +
         q(assistant) + " + message['content'] + " + q(eos) + "}}{%- endif %}{%- endif %}";
  }
  s += "{%- if message['role'] == 'tool' %}{%- set ns.is_tool = true -%}{%- if ns.is_output_first %}{{" +
       q(outputs_begin + output_begin) + " + message['content'] + " + q(output_end) +
       "}}{%- set ns.is_output_first = false %}{%- else %}{{" + (r1 ? "" : std::string("'\\n' + ")) +
       q(output_begin) + " + message['content'] + " + q(output_end) + "}}{%- endif %}{%- endif %}{%- endfor -%}";
  s += "{% if ns.is_tool %}{{" + q(outputs_end) + "}}{% endif %}{% if add_generation_prompt and not ns.is_tool %}{{" +
       q(assistant + (r1 ? think_open + "\\n" : std::string())) + "}}{% endif %}";
  return s;
}

}  // namespace r1
