// HF `tokenizers` (npm, Rust core) side of bench/tokenizer.sh: load time and
// encodeBatch throughput on the same corpus. Threads: RAYON_NUM_THREADS.
// usage: node bench/tokenizer_hf.js TOKENIZER_JSON CORPUS.jsonl REPEATS
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require(path.resolve(__dirname, '../.cache/npm/node_modules/tokenizers'));
const [tokPath, corpus, repsArg] = process.argv.slice(2);
const reps = Number(repsArg || 5);
function stats(v) {
  v.sort((a, b) => a - b);
  return `min ${v[0].toFixed(2).padStart(9)}  median ${v[Math.floor(v.length / 2)].toFixed(2).padStart(9)}  max ${v[v.length - 1].toFixed(2).padStart(9)}`;
}
(async () => {
  const lt = [];
  let tok;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    tok = Tokenizer.fromFile(tokPath);
    lt.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const label = (s) => s.padEnd(34);
  console.log(`${label('load HF tokenizers (ms)')} ${stats(lt)} ms`);
  if (!corpus) return;
  const texts = fs.readFileSync(corpus, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l).text);
  const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
  const mbs = [];
  let ntok = 0;
  for (let r = 0; r < reps; r++) {
    const fresh = Tokenizer.fromFile(tokPath);  // cold cache each repeat, as r1's bench
    const t0 = process.hrtime.bigint();
    const encs = await fresh.encodeBatch(texts, { addSpecialTokens: false });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    ntok = encs.reduce((a, e) => a + e.getIds().length, 0);
    mbs.push(bytes / 1e6 / s);
  }
  console.log(`${label(`encode HF ${process.env.RAYON_NUM_THREADS || 'all'} thread(s) (MB/s)`)} ${stats(mbs)} MB/s`);
  console.log(`  tokens: ${ntok}`);
})();
