// libFuzzer: safetensors header parsing on arbitrary bytes. Any input must
// either parse into tensors whose byte ranges lie inside the buffer, or throw
// r1::Error; never crash, hang or read out of bounds (run under ASan).
#include <cstdint>
#include <cstdlib>

#include "base/error.h"
#include "formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto ts = r1::parse_safetensors(data, size, "fuzz.safetensors");
    for (const auto& t : ts) {
      if (t.offset + t.nbytes > size) abort();
      volatile uint8_t sink = 0;
      if (t.nbytes) sink ^= data[t.offset] ^ data[t.offset + t.nbytes - 1];
      (void)sink;
    }
  } catch (const r1::Error&) {
  }
  return 0;
}
