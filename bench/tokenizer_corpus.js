// Builds the mixed benchmark corpus (JSONL {"text"}, ~12 MB) on stdout from
// files every Debian machine of this project has, sorted and seeded so a given
// machine always gets the same corpus: English docs (/usr/share/doc, gz read
// too), C headers (/usr/include), Python (/usr/lib/python3*), Chinese (seeded
// text over the characters of the repo's Chinese test cases, with punctuation,
// digits and some English), and digit tables.
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const root = path.resolve(__dirname, '..');

let seed = 20250101;
function rnd() {  // mulberry32
  seed |= 0; seed = (seed + 0x6D2B79F5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function walk(dir, pred, out) {
  let ents;
  try { ents = fs.readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  ents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of ents) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, pred, out);
    else if (e.isFile() && pred(p)) out.push(p);
  }
  return out;
}
const docs = [];
function take(files, budget, reader) {
  let n = 0;
  for (const f of files) {
    if (n >= budget) break;
    let t;
    try { t = reader(f); } catch { continue; }
    if (!t || t.length < 200) continue;
    try { t = new TextDecoder('utf-8', { fatal: true }).decode(t); } catch { continue; }
    for (let i = 0; i < t.length && n < budget; i += 16000) {
      const part = t.slice(i, i + 16000);
      docs.push(part);
      n += Buffer.byteLength(part);
    }
  }
  return n;
}
const MB = 1 << 20;
const sizes = {};
sizes.english = take(walk('/usr/share/doc', (p) => /(README|NEWS|changelog|copyright|\.txt|\.md)(\.gz)?$/.test(p), []), 3.5 * MB,
  (f) => (f.endsWith('.gz') ? zlib.gunzipSync(fs.readFileSync(f)) : fs.readFileSync(f)));
sizes.c = take(walk('/usr/include', (p) => /\.(h|hpp)$/.test(p), []), 3 * MB, (f) => fs.readFileSync(f));
const py = fs.readdirSync('/usr/lib').filter((d) => /^python3\.\d+$/.test(d)).sort();
sizes.python = take(py.length ? walk('/usr/lib/' + py[0], (p) => p.endsWith('.py'), []) : [], 2 * MB, (f) => fs.readFileSync(f));
// Chinese.
const zh = [];
for (const l of fs.readFileSync(path.join(root, 'tests/data/tokenizer/cases_public.jsonl'), 'utf8').split('\n')) {
  if (!l) continue;
  for (const ch of JSON.parse(l).text) if (ch >= '\u4e00' && ch <= '\u9fa5') zh.push(ch);
}
let zhBytes = 0;
const punct = ['，', '。', '、', '：', '；', '！', '？', '“', '”', '（', '）'];
const en = ['GPU', 'Linux', 'token', 'API', 'DeepSeek', 'model', 'C++', 'JSON'];
while (zh.length && zhBytes < 2.5 * MB) {
  let s = '';
  while (s.length < 3000) {
    const r = rnd();
    if (r < 0.80) s += zh[Math.floor(rnd() * zh.length)];
    else if (r < 0.90) s += punct[Math.floor(rnd() * punct.length)];
    else if (r < 0.95) s += String(Math.floor(rnd() * 100000));
    else if (r < 0.98) s += ' ' + en[Math.floor(rnd() * en.length)] + ' ';
    else s += '\n';
  }
  docs.push(s);
  zhBytes += Buffer.byteLength(s);
}
sizes.chinese = zhBytes;
// Digits: CSV tables of numbers.
let dBytes = 0;
while (dBytes < 1 * MB) {
  let s = 'id,value,price,timestamp\n';
  for (let r = 0; r < 200; r++)
    s += `${r},${Math.floor(rnd() * 1e9)},${(rnd() * 1000).toFixed(2)},${1700000000 + Math.floor(rnd() * 1e8)}\n`;
  docs.push(s);
  dBytes += Buffer.byteLength(s);
}
sizes.digits = dBytes;
// Interleave deterministically so every thread sees a mix.
for (let i = docs.length - 1; i > 0; i--) {
  const j = Math.floor(rnd() * (i + 1));
  [docs[i], docs[j]] = [docs[j], docs[i]];
}
const out = fs.createWriteStream(process.argv[2]);
for (const d of docs) out.write(JSON.stringify({ text: d }) + '\n');
out.end();
const tot = Object.values(sizes).reduce((a, b) => a + b, 0);
console.error(`corpus: ${docs.length} docs, ${(tot / 1e6).toFixed(2)} MB: ` +
  Object.entries(sizes).map(([k, v]) => `${k} ${(v / 1e6).toFixed(2)}`).join(', '));
