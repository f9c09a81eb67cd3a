// Greedy continuation with llama.cpp on token ids: shows that the GGUF written by
// bench_gen_model --gguf is the same model as the HF folder (compare with
// `r1 generate --tokens`). Built by bench/infer.sh against a llama.cpp build
// (LLAMA_DIR); not part of the CMake project.
//   llama_greedy MODEL.gguf N_NEW TOKEN...
// prints the N_NEW generated ids on one line, then the top logit margin
// (best minus second best) of each step on a second line.
#include <stdio.h>
#include <stdlib.h>

#include "llama.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s MODEL.gguf N_NEW TOKEN...\n", argv[0]);
    return 2;
  }
  const int n_new = atoi(argv[2]), n_prompt = argc - 3;
  llama_token* toks = malloc(sizeof(llama_token) * (size_t)(n_prompt + n_new));
  for (int i = 0; i < n_prompt; ++i) toks[i] = atoi(argv[3 + i]);
  llama_backend_init();
  struct llama_model_params mp = llama_model_default_params();
  struct llama_model* model = llama_model_load_from_file(argv[1], mp);
  if (!model) return 1;
  struct llama_context_params cp = llama_context_default_params();
  cp.n_ctx = (uint32_t)(n_prompt + n_new + 16);
  cp.n_batch = cp.n_ctx;
  cp.n_threads = cp.n_threads_batch = 1;
  cp.type_k = cp.type_v = GGML_TYPE_F32;  // r1 caches the latent in f32 (llama.cpp's default is F16)
  struct llama_context* ctx = llama_init_from_model(model, cp);
  if (!ctx) return 1;
  const int V = llama_vocab_n_tokens(llama_model_get_vocab(model));
  float* margins = malloc(sizeof(float) * (size_t)n_new);
  struct llama_batch b = llama_batch_get_one(toks, n_prompt);
  for (int s = 0; s < n_new; ++s) {
    if (llama_decode(ctx, b)) return 1;
    const float* lg = llama_get_logits_ith(ctx, -1);
    int best = 0;
    for (int v = 1; v < V; ++v)
      if (lg[v] > lg[best]) best = v;
    float second = -1e30f;
    for (int v = 0; v < V; ++v)
      if (v != best && lg[v] > second) second = lg[v];
    margins[s] = lg[best] - second;
    toks[n_prompt + s] = best;
    b = llama_batch_get_one(&toks[n_prompt + s], 1);
  }
  for (int s = 0; s < n_new; ++s) printf("%d%c", toks[n_prompt + s], s + 1 < n_new ? ' ' : '\n');
  for (int s = 0; s < n_new; ++s) printf("%.3f%c", margins[s], s + 1 < n_new ? ' ' : '\n');
  llama_free(ctx);
  llama_model_free(model);
  return 0;
}
