#include "formats/safetensors.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "base/error.h"
#include "base/json.h"

namespace r1 {

namespace {

bool file_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Multiplies with an overflow check; false when the product exceeds limit.
bool mul_ok(uint64_t a, uint64_t b, uint64_t limit, uint64_t* out) {
  if (a != 0 && b > limit / a) return false;
  *out = a * b;
  return *out <= limit;
}

}  // namespace

std::vector<TensorInfo> parse_safetensors(const uint8_t* data, size_t size, const std::string& path) {
  R1_CHECK(size >= 8, path, ": truncated safetensors file (", size, " bytes, need at least 8 for the header length)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= (uint64_t)data[i] << (8 * i);
  R1_CHECK(n <= size - 8, path, ": truncated safetensors file: header length ", n, " exceeds the file size ", size);
  R1_CHECK(n <= (100u << 20), path, ": safetensors header length ", n, " is larger than 100 MiB");
  const size_t data_start = 8 + (size_t)n;
  const uint64_t data_size = size - data_start;
  json hdr;
  try {
    hdr = json::parse(data + 8, data + 8 + n);
  } catch (const json::exception& e) {
    fail(path, ": safetensors header is not valid JSON: ", e.what());
  }
  R1_CHECK(hdr.is_object(), path, ": safetensors header is not a JSON object");
  std::vector<TensorInfo> out;
  out.reserve(hdr.size());
  for (auto it = hdr.begin(); it != hdr.end(); ++it) {
    const std::string& name = it.key();
    if (name == "__metadata__") {
      R1_CHECK(it->is_object(), path, ": __metadata__ is not an object");
      continue;
    }
    const json& e = *it;
    R1_CHECK(e.is_object(), path, ": tensor '", name, "': entry is not an object");
    auto dt = e.find("dtype");
    R1_CHECK(dt != e.end() && dt->is_string(), path, ": tensor '", name, "': missing string 'dtype'");
    TensorInfo ti;
    ti.name = name;
    R1_CHECK(dtype_from_name(dt->get<std::string>(), &ti.dtype), path, ": tensor '", name, "': unknown dtype '",
             dt->get<std::string>(), "'");
    auto sh = e.find("shape");
    R1_CHECK(sh != e.end() && sh->is_array(), path, ": tensor '", name, "': missing array 'shape'");
    R1_CHECK(sh->size() <= 8, path, ": tensor '", name, "': shape has ", sh->size(), " dimensions");
    uint64_t numel = 1;
    for (const auto& d : *sh) {
      R1_CHECK(d.is_number_integer() && d.get<int64_t>() >= 0, path, ": tensor '", name, "': bad shape entry ",
               d.dump());
      uint64_t dd = d.get<uint64_t>();
      R1_CHECK(mul_ok(numel, dd, std::numeric_limits<int64_t>::max() / 8, &numel), path, ": tensor '", name,
               "': shape ", sh->dump(), " is too large");
      ti.shape.push_back((int64_t)dd);
    }
    auto off = e.find("data_offsets");
    R1_CHECK(off != e.end() && off->is_array() && off->size() == 2 && (*off)[0].is_number_unsigned() &&
                 (*off)[1].is_number_unsigned(),
             path, ": tensor '", name, "': 'data_offsets' must be [begin, end]");
    uint64_t b = (*off)[0].get<uint64_t>(), en = (*off)[1].get<uint64_t>();
    R1_CHECK(b <= en, path, ": tensor '", name, "': data_offsets [", b, ", ", en, "] are reversed");
    R1_CHECK(en <= data_size, path, ": tensor '", name, "': data_offsets [", b, ", ", en,
             "] lie outside the data section (", data_size, " bytes; file truncated?)");
    uint64_t want = numel * dtype_size(ti.dtype);
    R1_CHECK(en - b == want, path, ": tensor '", name, "': data_offsets span ", en - b, " bytes but ",
             dtype_name(ti.dtype), " ", shape_str(ti.shape), " needs ", want);
    ti.offset = data_start + b;
    ti.nbytes = en - b;
    out.push_back(std::move(ti));
  }
  // Overlap check on the byte ranges, in file order.
  std::vector<const TensorInfo*> by_off;
  for (auto& t : out) by_off.push_back(&t);
  std::sort(by_off.begin(), by_off.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_off.size(); ++i) {
    const TensorInfo* p = by_off[i - 1];
    const TensorInfo* q = by_off[i];
    R1_CHECK(p->offset + p->nbytes <= q->offset || q->nbytes == 0 || p->nbytes == 0, path, ": tensors '", p->name,
             "' and '", q->name, "' overlap in the data section");
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

Checkpoint Checkpoint::open(const std::string& dir) {
  Checkpoint ck;
  ck.dir_ = dir;
  const std::string index_path = dir + "/model.safetensors.index.json";
  const std::string single = dir + "/model.safetensors";
  auto add_shard = [&](const std::string& file) {
    auto m = std::make_shared<MappedFile>(file);
    auto infos = parse_safetensors(m->data(), m->size(), file);
    int id = (int)ck.shards_.size();
    ck.shards_.push_back(m);
    return std::make_pair(id, std::move(infos));
  };
  if (file_exists(index_path)) {
    json idx = read_json_file(index_path);
    R1_CHECK(idx.is_object() && idx.contains("weight_map") && idx["weight_map"].is_object(), index_path,
             ": missing object 'weight_map'");
    std::map<std::string, std::vector<std::string>> by_shard;  // shard -> tensors it should hold
    for (auto it = idx["weight_map"].begin(); it != idx["weight_map"].end(); ++it) {
      R1_CHECK(it->is_string(), index_path, ": weight_map['", it.key(), "'] is not a file name");
      std::string f = it->get<std::string>();
      R1_CHECK(!f.empty() && f.find('/') == std::string::npos && f != "." && f != "..", index_path,
               ": weight_map['", it.key(), "'] = '", f, "' is not a plain file name");
      by_shard[f].push_back(it.key());
    }
    R1_CHECK(!by_shard.empty(), index_path, ": weight_map is empty");
    for (auto& [f, tensors] : by_shard) {
      std::string fp = dir + "/" + f;
      R1_CHECK(file_exists(fp), index_path, ": shard '", f, "' (holding '", tensors[0], "') is missing");
      auto [id, infos] = add_shard(fp);
      std::map<std::string, TensorInfo> here;
      for (auto& t : infos) here[t.name] = t;
      for (auto& name : tensors) {
        auto it = here.find(name);
        R1_CHECK(it != here.end(), index_path, ": tensor '", name, "' is mapped to '", f, "' but that shard lacks it");
        it->second.shard = id;
        ck.index_[name] = it->second;
      }
    }
  } else if (file_exists(single)) {
    auto [id, infos] = add_shard(single);
    for (auto& t : infos) {
      t.shard = id;
      ck.index_[t.name] = t;
    }
  } else {
    fail(dir, ": no model.safetensors or model.safetensors.index.json in this folder");
  }
  return ck;
}

const TensorInfo& Checkpoint::info(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) fail(dir_, ": checkpoint has no tensor '", name, "'");
  return it->second;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> v;
  for (auto& [k, _] : index_) v.push_back(k);
  return v;
}

void Checkpoint::drop_resident() const {
  for (auto& m : shards_)
    if (m->size()) ::madvise((void*)m->data(), m->size(), MADV_DONTNEED);
}

void Checkpoint::drop_resident(const std::string& name) const {
  const TensorInfo& t = info(name);
  const uintptr_t page = 4096, base = (uintptr_t)shards_[t.shard]->data();
  uintptr_t b = (base + t.offset + page - 1) / page * page, e = (base + t.offset + t.nbytes) / page * page;
  if (e > b) ::madvise((void*)b, e - b, MADV_DONTNEED);
}

const std::string& Checkpoint::file_of(const std::string& name) const { return shards_[info(name).shard]->path(); }

Tensor Checkpoint::raw(const std::string& name, const Shape& shape) const {
  const TensorInfo& t = info(name);
  if (!shape.empty())
    R1_CHECK(t.shape == shape, file_of(name), ": tensor '", name, "' has shape ", shape_str(t.shape), ", expected ",
             shape_str(shape));
  auto& m = shards_[t.shard];
  void* p = (void*)(m->data() + t.offset);
  if (((uintptr_t)p % dtype_size(t.dtype)) != 0) {  // unaligned in the file: copy
    Tensor c = Tensor::empty(t.shape, t.dtype);
    std::memcpy(c.raw(), p, t.nbytes);
    return c;
  }
  return Tensor::view(p, t.shape, t.dtype, m);
}

void dequant_fp8_block(const uint8_t* codes, const float* scale_inv, int64_t rows, int64_t cols, int block,
                       float* out) {
  const int64_t sc = (cols + block - 1) / block;
  for (int64_t i = 0; i < rows; ++i) {
    const float* srow = scale_inv + (i / block) * sc;
    for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = e4m3_to_f32(codes[i * cols + j]) * srow[j / block];
  }
}

Tensor Checkpoint::f32(const std::string& name, const Shape& shape) const {
  Tensor t = raw(name, shape);
  if (t.dtype() == DType::F32) return t;
  if (t.dtype() == DType::F8_E4M3) {
    R1_CHECK(t.ndim() == 2, file_of(name), ": F8_E4M3 tensor '", name, "' must be 2-D, got ", shape_str(t.shape()));
    const std::string sname = name + "_scale_inv";
    R1_CHECK(has(sname), file_of(name), ": F8_E4M3 tensor '", name, "' has no '", sname, "'");
    const int64_t r = t.dim(0), c = t.dim(1), B = fp8_block;
    Tensor s = raw(sname).to_f32();
    R1_CHECK(s.shape() == Shape({(r + B - 1) / B, (c + B - 1) / B}), file_of(sname), ": '", sname, "' has shape ",
             shape_str(s.shape()), ", expected ", shape_str({(r + B - 1) / B, (c + B - 1) / B}), " for ", name,
             " ", shape_str(t.shape()), " with ", B, "x", B, " blocks");
    Tensor out = Tensor::empty(t.shape(), DType::F32);
    dequant_fp8_block(t.data<uint8_t>(), s.f32(), r, c, (int)B, out.f32());
    return out;
  }
  R1_CHECK(t.dtype() == DType::BF16 || t.dtype() == DType::F16, file_of(name), ": tensor '", name, "' has dtype ",
           dtype_name(t.dtype()), ", expected a floating-point dtype");
  return t.to_f32();
}

Tensor Checkpoint::weight(const std::string& name, const Shape& shape) const {
  Tensor t = raw(name, shape);
  if (t.dtype() == DType::F32 || t.dtype() == DType::BF16) return t;
  return f32(name, shape);
}

}  // namespace r1
