// libFuzzer: config.json parsing and validation on arbitrary bytes (invalid
// JSON, wrong types, out-of-range values must all become r1::Error).
#include <cstdint>
#include <cstdlib>

#include "base/error.h"
#include "base/json.h"
#include "formats/model_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  r1::json j;
  try {
    j = r1::json::parse(data, data + size);
  } catch (const r1::json::exception&) {
    return 0;
  }
  try {
    r1::ModelConfig c = r1::parse_model_config(j, "fuzz/config.json");
    // Validated configs must give sane derived values.
    if (c.kv_lora_rank <= 0 || c.qk_rope_head_dim % 2 != 0 || c.num_hidden_layers <= 0) abort();
    if (c.n_routed_experts > 0 && c.n_routed_experts % c.n_group != 0) abort();
    (void)c.softmax_scale();
  } catch (const r1::Error&) {
  }
  return 0;
}
