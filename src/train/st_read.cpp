#include "train/st_read.h"

#include <cstring>

#include "base/error.h"
#include "base/json.h"
#include "base/mmap.h"

namespace r1::train {

std::map<std::string, Tensor> read_safetensors_f32(const std::string& path) {
  MappedFile f(path);
  R1_CHECK(f.size() >= 8, path, ": too small for safetensors (", f.size(), " bytes)");
  uint64_t hl = 0;
  for (int i = 0; i < 8; ++i) hl |= (uint64_t)f.data()[i] << (8 * i);
  R1_CHECK(hl <= f.size() - 8, path, ": header length ", hl, " exceeds file size ", f.size());
  json h;
  try {
    h = json::parse(std::string((const char*)f.data() + 8, hl));
  } catch (const json::exception& e) {
    fail(path, ": bad safetensors header: ", e.what());
  }
  R1_CHECK(h.is_object(), path, ": header is not an object");
  const uint8_t* base = f.data() + 8 + hl;
  const uint64_t avail = f.size() - 8 - hl;
  std::map<std::string, Tensor> out;
  for (auto& [name, e] : h.items()) {
    if (name == "__metadata__") continue;
    try {
      DType dt;
      R1_CHECK(dtype_from_name(e.at("dtype").get<std::string>(), &dt), path, ": ", name, ": unsupported dtype ",
               e.at("dtype").dump());
      Shape s = e.at("shape").get<Shape>();
      auto offs = e.at("data_offsets").get<std::vector<uint64_t>>();
      R1_CHECK(offs.size() == 2 && offs[0] <= offs[1] && offs[1] <= avail, path, ": ", name, ": bad data_offsets");
      Tensor raw = Tensor::empty(s, dt);
      R1_CHECK(raw.nbytes() == offs[1] - offs[0], path, ": ", name, ": ", offs[1] - offs[0], " bytes for shape ",
               shape_str(s));
      R1_CHECK(dt == DType::F32 || dt == DType::BF16 || dt == DType::F16, path, ": ", name, ": dtype ",
               dtype_name(dt), " cannot be trained (F32/BF16/F16 only)");
      std::memcpy(raw.raw(), base + offs[0], raw.nbytes());
      out[name] = dt == DType::F32 ? raw : raw.to_f32();
    } catch (const json::exception& ex) {
      fail(path, ": ", name, ": bad header entry: ", ex.what());
    }
  }
  return out;
}

}  // namespace r1::train
