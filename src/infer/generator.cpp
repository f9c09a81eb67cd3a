#include "infer/generator.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

#include "base/error.h"

namespace r1 {

const char* finish_reason_name(FinishReason r) {
  switch (r) {
    case FinishReason::Eos: return "eos";
    case FinishReason::StopSequence: return "stop";
    case FinishReason::Length: return "length";
  }
  return "?";
}

int64_t peak_rss_bytes() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return 0;
}

namespace {

struct Active {
  size_t req;
  int slot;
  Sampler sampler;
  std::vector<int32_t> history;  // prompt + generated, for the repetition penalty
  std::vector<int32_t> out;
  bool done = false;
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::vector<GenResult> Generator::generate(const std::vector<GenRequest>& reqs, GenStats* stats,
                                           const std::function<void(size_t, int32_t)>& on_token) {
  const int64_t V = model_.vocab_size();
  for (size_t i = 0; i < reqs.size(); ++i) {
    R1_CHECK(!reqs[i].prompt.empty(), "generate: request ", i, " has an empty prompt");
    for (int32_t t : reqs[i].prompt)
      R1_CHECK(t >= 0 && t < V, "generate: request ", i, ": token id ", t, " is outside the vocabulary (vocab_size ", V, ")");
  }
  std::vector<GenResult> results(reqs.size());
  const int slots = std::max(1, std::min<int>(max_batch_, (int)reqs.size()));
  KVCache cache = model_.make_cache(slots);
  std::vector<int> free_slots;
  for (int s = slots - 1; s >= 0; --s) free_slots.push_back(s);
  std::vector<Active> active;
  size_t next = 0;
  GenStats st;
  st.kv_bytes_per_token = cache.bytes_per_token();
  const auto eos = model_.eos_token_ids();

  // Appends a sampled token; returns true when the sequence is finished.
  auto accept = [&](Active& a, int32_t tok) {
    const GenRequest& r = reqs[a.req];
    if (on_token) on_token(a.req, tok);
    ++st.generated_tokens;
    if (r.stop_at_eos && (std::find(eos.begin(), eos.end(), tok) != eos.end() ||
                          std::find(r.extra_eos.begin(), r.extra_eos.end(), tok) != r.extra_eos.end())) {
      results[a.req].finish = FinishReason::Eos;
      return true;
    }
    a.out.push_back(tok);
    a.history.push_back(tok);
    for (const auto& ss : r.stop_sequences)
      if (!ss.empty() && a.out.size() >= ss.size() && std::equal(ss.begin(), ss.end(), a.out.end() - ss.size())) {
        a.out.resize(a.out.size() - ss.size());
        results[a.req].finish = FinishReason::StopSequence;
        return true;
      }
    if ((int64_t)a.out.size() >= r.max_new_tokens) {
      results[a.req].finish = FinishReason::Length;
      return true;
    }
    return false;
  };
  auto retire = [&]() {
    for (auto& a : active)
      if (a.done) {
        results[a.req].tokens = std::move(a.out);
        cache.clear(a.slot);
        free_slots.push_back(a.slot);
      }
    active.erase(std::remove_if(active.begin(), active.end(), [](const Active& a) { return a.done; }), active.end());
  };

  while (next < reqs.size() || !active.empty()) {
    // Admit queued prompts into free slots and prefill them together.
    std::vector<Chunk> chunks;
    std::vector<size_t> admitted;
    while (next < reqs.size() && !free_slots.empty()) {
      const GenRequest& r = reqs[next];
      if (r.max_new_tokens <= 0) {
        results[next].finish = FinishReason::Length;
        ++next;
        continue;
      }
      Active a{next, free_slots.back(), Sampler(r.sampling), r.prompt, {}};
      free_slots.pop_back();
      chunks.push_back({a.slot, r.prompt.data(), (int64_t)r.prompt.size()});
      st.prompt_tokens += (int64_t)r.prompt.size();
      admitted.push_back(active.size());
      active.push_back(std::move(a));
      ++next;
    }
    if (!chunks.empty()) {
      double t0 = now_s();
      ForwardOptions opt;
      opt.all_logits = false;
      Tensor lg = model_.forward(chunks, cache, opt);
      for (size_t i = 0; i < admitted.size(); ++i) {
        Active& a = active[admitted[i]];
        a.done = accept(a, a.sampler.sample(lg.f32() + i * V, V, a.history));
      }
      st.prefill_seconds += now_s() - t0;
      retire();
      continue;  // fill any slot that just freed before decoding
    }
    if (active.empty()) break;
    st.peak_batch = std::max<int64_t>(st.peak_batch, (int64_t)active.size());
    double t0 = now_s();
    std::vector<Chunk> step;
    std::vector<int32_t> last(active.size());
    for (size_t i = 0; i < active.size(); ++i) {
      last[i] = active[i].history.back();
      step.push_back({active[i].slot, &last[i], 1});
    }
    ForwardOptions opt;
    opt.all_logits = false;
    Tensor lg = model_.forward(step, cache, opt);
    st.decode_tokens += (int64_t)active.size();
    for (size_t i = 0; i < active.size(); ++i)
      active[i].done = accept(active[i], active[i].sampler.sample(lg.f32() + i * V, V, active[i].history));
    st.decode_seconds += now_s() - t0;
    retire();
  }
  if (stats) *stats = st;
  return results;
}

}  // namespace r1
