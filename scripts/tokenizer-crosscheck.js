// Cross-check r1's tokenizer against Hugging Face `tokenizers` (npm, Rust core).
// usage: node scripts/tokenizer-crosscheck.js TOKENIZER_JSON TEXTS.jsonl R1_IDS.jsonl R1_TEXTS.jsonl
//   TEXTS.jsonl: {"text"} lines; R1_IDS.jsonl: `r1 tokenize` output for them;
//   R1_TEXTS.jsonl: `r1 detokenize` output of R1_IDS.jsonl.
// Exits 1 on any difference in ids, in decoded text, or in vocab size.
const path = require('path');
const fs = require('fs');
const root = path.resolve(__dirname, '..');
const { Tokenizer } = require(path.join(root, '.cache/npm/node_modules/tokenizers'));

function lines(f) {
  return fs.readFileSync(f, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

(async () => {
  const [tokPath, textsPath, idsPath, detokPath] = process.argv.slice(2);
  const tok = Tokenizer.fromFile(tokPath);
  const texts = lines(textsPath).map((o) => o.text);
  const r1ids = lines(idsPath).map((o) => o.ids);
  const r1texts = lines(detokPath).map((o) => o.text);
  let bad = 0;
  if (texts.length !== r1ids.length || texts.length !== r1texts.length) {
    console.error(`line counts differ: ${texts.length} texts, ${r1ids.length} id lines, ${r1texts.length} decoded`);
    process.exit(1);
  }
  for (let i = 0; i < texts.length; i++) {
    const enc = await tok.encode(texts[i], null, { addSpecialTokens: false });
    const ids = Array.from(enc.getIds());
    if (JSON.stringify(ids) !== JSON.stringify(r1ids[i])) {
      if (bad++ < 5) console.error(`line ${i + 1}: ids differ\n  hf: ${ids.slice(0, 20)}\n  r1: ${r1ids[i].slice(0, 20)}`);
    }
    const dec = await tok.decode(r1ids[i], false);
    if (dec !== r1texts[i] && bad++ < 5) console.error(`line ${i + 1}: decode differs`);
    if (dec !== texts[i] && bad++ < 5) console.error(`line ${i + 1}: HF decode does not round-trip`);
  }
  const vs = tok.getVocabSize(true);
  console.log(`${path.basename(path.dirname(tokPath))}: ${texts.length} texts, HF vocab size ${vs}, ${bad} differences`);
  process.exit(bad ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
