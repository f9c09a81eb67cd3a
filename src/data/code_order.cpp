#include "data/code_order.h"

#include <omp.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>

#include "base/error.h"
#include "data/stage.h"

namespace r1::data {

namespace {

enum class Lang { other, python, c, js, csharp, rust };

std::string ext_of(const std::string& p) {
  size_t s = p.rfind('/'), d = p.rfind('.');
  if (d == std::string::npos || (s != std::string::npos && d < s)) return "";
  std::string e = p.substr(d + 1);
  for (auto& c : e) c = (char)tolower((unsigned char)c);
  return e;
}

Lang lang_of(const std::string& p) {
  std::string e = ext_of(p);
  if (e == "py" || e == "pyi") return Lang::python;
  if (e == "c" || e == "h" || e == "cc" || e == "cpp" || e == "cxx" || e == "hpp" || e == "hh" || e == "hxx" || e == "inl" ||
      e == "ipp" || e == "cu" || e == "cuh")
    return Lang::c;
  if (e == "js" || e == "mjs" || e == "cjs" || e == "jsx" || e == "ts" || e == "tsx" || e == "mts" || e == "cts") return Lang::js;
  if (e == "cs") return Lang::csharp;
  if (e == "rs") return Lang::rust;
  return Lang::other;
}

std::string dir_of(const std::string& p) {
  size_t s = p.rfind('/');
  return s == std::string::npos ? "" : p.substr(0, s);
}

std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : b.empty() ? a : a + "/" + b; }

// Collapse "." and ".." segments; returns "" if the path climbs above the root.
std::string normalize_path(const std::string& p, bool& ok) {
  std::vector<std::string> parts;
  size_t i = 0;
  ok = true;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string::npos) j = p.size();
    std::string seg = p.substr(i, j - i);
    if (seg == "..") {
      if (parts.empty()) ok = false;
      else parts.pop_back();
    } else if (!seg.empty() && seg != ".") parts.push_back(seg);
    i = j + 1;
  }
  std::string o;
  for (auto& s : parts) o = join(o, s);
  return o;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && isspace((unsigned char)s[b])) ++b;
  while (e > b && isspace((unsigned char)s[e - 1])) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> o;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(sep, i);
    if (j == std::string::npos) j = s.size();
    o.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return o;
}

bool is_ident(char c) { return isalnum((unsigned char)c) || c == '_'; }

// Lines of a source file with // and /* */ comments removed (string contents kept).
std::vector<std::string> code_lines(const std::string& text, bool c_comments, bool hash_comments) {
  std::vector<std::string> out;
  std::string cur;
  bool block = false;
  char quote = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      out.push_back(cur);
      cur.clear();
      quote = 0;
      continue;
    }
    if (block) {
      if (c == '*' && i + 1 < text.size() && text[i + 1] == '/') block = false, ++i;
      continue;
    }
    if (quote) {
      cur.push_back(c);
      if (c == '\\' && i + 1 < text.size()) cur.push_back(text[++i]);
      else if (c == quote) quote = 0;
      continue;
    }
    if (c_comments && c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c_comments && c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      block = true;
      ++i;
      continue;
    }
    if (hash_comments && c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') quote = c;
    cur.push_back(c);
  }
  out.push_back(cur);
  return out;
}

struct Repo {
  const std::vector<SourceFile>& files;
  std::unordered_map<std::string, int> by_path;
  std::unordered_map<std::string, std::vector<int>> by_suffix;  // every "/"-suffix of every path
  std::map<std::string, std::vector<int>> namespaces;           // C# namespace -> declaring files
  explicit Repo(const std::vector<SourceFile>& f) : files(f) {
    for (int i = 0; i < (int)f.size(); ++i) {
      by_path.emplace(f[i].path, i);
      const std::string& p = f[i].path;
      by_suffix[p].push_back(i);
      for (size_t k = 0; k < p.size(); ++k)
        if (p[k] == '/') by_suffix[p.substr(k + 1)].push_back(i);
    }
  }
  int exact(const std::string& p) const {
    auto it = by_path.find(p);
    return it == by_path.end() ? -1 : it->second;
  }
  // A file whose path ends with rel: the one sharing the longest directory
  // prefix with `from` wins, ties by input order.
  int suffix(const std::string& rel, int from) const {
    auto it = by_suffix.find(rel);
    if (it == by_suffix.end()) return -1;
    int best = -1;
    size_t best_common = 0;
    const std::string& fp = files[from].path;
    for (int i : it->second) {
      if (i == from) continue;
      const std::string& p = files[i].path;
      size_t c = 0;
      while (c < p.size() && c < fp.size() && p[c] == fp[c]) ++c;
      if (best < 0 || c > best_common) best = i, best_common = c;
    }
    return best;
  }
};

void python_deps(const Repo& R, int i, std::vector<int>& d, int64_t& unres) {
  const std::string dir = dir_of(R.files[i].path);
  auto module_files = [&](const std::string& base, const std::string& mod, bool relative, std::vector<int>& out) {
    std::string rel = mod;
    std::replace(rel.begin(), rel.end(), '.', '/');
    std::string cands[2] = {rel + ".py", join(rel, "__init__.py")};
    for (auto& c : cands) {
      int f = -1;
      if (relative) {
        bool ok;
        std::string p = normalize_path(join(base, c), ok);
        if (ok) f = R.exact(p);
      } else {
        f = R.exact(join(dir, c));
        if (f < 0) f = R.exact(c);
        if (f < 0) f = R.suffix(c, i);
      }
      if (f >= 0) {
        out.push_back(f);
        return true;
      }
    }
    return false;
  };
  for (auto& raw : code_lines(R.files[i].text, false, true)) {
    std::string line = trim(raw);
    if (line.rfind("import ", 0) == 0) {
      for (auto& part : split(line.substr(7), ',')) {
        std::string m = trim(part);
        size_t as = m.find(" as ");
        if (as != std::string::npos) m = trim(m.substr(0, as));
        if (m.empty()) continue;
        if (!module_files("", m, false, d)) ++unres;
      }
    } else if (line.rfind("from ", 0) == 0) {
      size_t imp = line.find(" import ");
      if (imp == std::string::npos) continue;
      std::string m = trim(line.substr(5, imp - 5));
      int level = 0;
      while (level < (int)m.size() && m[level] == '.') ++level;
      std::string mod = m.substr(level);
      std::string base = dir;
      bool ok = true;
      for (int k = 1; k < level; ++k) base = normalize_path(join(base, ".."), ok);
      std::string names = line.substr(imp + 8);
      names.erase(std::remove_if(names.begin(), names.end(), [](char c) { return c == '(' || c == ')' || c == '\\'; }),
                  names.end());
      bool any = false;
      if (!mod.empty()) any = module_files(base, mod, level > 0, d);
      // "from pkg import sub": sub may itself be a module.
      for (auto& part : split(names, ',')) {
        std::string n = trim(part);
        size_t as = n.find(" as ");
        if (as != std::string::npos) n = trim(n.substr(0, as));
        if (n.empty() || n == "*") continue;
        any |= module_files(base, mod.empty() ? n : mod + "." + n, level > 0, d);
      }
      if (!any && ok) ++unres;
    }
  }
}

void c_deps(const Repo& R, int i, std::vector<int>& d, int64_t& unres) {
  const std::string dir = dir_of(R.files[i].path);
  std::vector<std::string> lines = code_lines(R.files[i].text, true, false);
  for (auto& raw : lines) {
    std::string line = trim(raw);
    if (line.empty() || line[0] != '#') continue;
    size_t k = 1;
    while (k < line.size() && isspace((unsigned char)line[k])) ++k;
    if (line.compare(k, 7, "include") != 0 && line.compare(k, 6, "import") != 0) continue;
    size_t q = line.find('"', k);
    if (q == std::string::npos) continue;  // <system> headers are outside the repository
    size_t q2 = line.find('"', q + 1);
    if (q2 == std::string::npos) continue;
    std::string inc = line.substr(q + 1, q2 - q - 1);
    bool ok;
    std::string p = normalize_path(join(dir, inc), ok);
    int f = ok ? R.exact(p) : -1;
    if (f < 0) {
      std::string s = normalize_path(inc, ok);
      if (ok) f = R.exact(s);
      if (f < 0 && ok) f = R.suffix(s, i);
    }
    if (f >= 0) d.push_back(f);
    else ++unres;
  }
}

void js_deps(const Repo& R, int i, std::vector<int>& d, int64_t& unres) {
  const std::string dir = dir_of(R.files[i].path);
  const std::string& t = R.files[i].text;
  std::vector<std::string> specs;
  // from 'x' / import 'x' / require('x') / import('x')
  for (size_t p = 0; p < t.size(); ++p) {
    auto quoted_after = [&](size_t q) -> bool {
      while (q < t.size() && isspace((unsigned char)t[q])) ++q;
      if (q < t.size() && t[q] == '(') {
        ++q;
        while (q < t.size() && isspace((unsigned char)t[q])) ++q;
      }
      if (q >= t.size() || (t[q] != '\'' && t[q] != '"' && t[q] != '`')) return false;
      size_t e = t.find(t[q], q + 1);
      if (e == std::string::npos || e - q > 512) return false;
      specs.push_back(t.substr(q + 1, e - q - 1));
      return true;
    };
    auto word_at = [&](const char* w) {
      size_t n = strlen(w);
      return t.compare(p, n, w) == 0 && (p == 0 || !is_ident(t[p - 1]) ) && (p + n >= t.size() || !is_ident(t[p + n]));
    };
    if (word_at("from")) quoted_after(p + 4);
    else if (word_at("import")) quoted_after(p + 6);
    else if (word_at("require")) quoted_after(p + 7);
  }
  static const char* exts[] = {"", ".js", ".ts", ".jsx", ".tsx", ".mjs", ".cjs", ".mts", "/index.js", "/index.ts", "/index.jsx",
                               "/index.tsx"};
  for (auto& s : specs) {
    if (s.rfind("./", 0) != 0 && s.rfind("../", 0) != 0) continue;  // packages are outside the repository
    bool ok;
    std::string base = normalize_path(join(dir, s), ok);
    int f = -1;
    if (ok)
      for (const char* e : exts)
        if ((f = R.exact(base + e)) >= 0) break;
    if (f >= 0) d.push_back(f);
    else ++unres;
  }
}

void csharp_deps(const Repo& R, int i, std::vector<int>& d, int64_t& unres) {
  for (auto& raw : code_lines(R.files[i].text, true, false)) {
    std::string line = trim(raw);
    if (line.rfind("global using ", 0) == 0) line = line.substr(7);
    if (line.rfind("using ", 0) != 0 || line.find('(') != std::string::npos) continue;
    std::string ns = trim(line.substr(6));
    if (!ns.empty() && ns.back() == ';') ns.pop_back();
    if (ns.rfind("static ", 0) == 0) ns = trim(ns.substr(7));
    size_t eq = ns.find('=');
    if (eq != std::string::npos) ns = trim(ns.substr(eq + 1));
    // "using A.B.C;" where C may be a type: try A.B.C, then A.B.
    bool found = false;
    for (int drop = 0; drop < 2 && !found; ++drop) {
      auto it = R.namespaces.find(ns);
      if (it != R.namespaces.end()) {
        for (int f : it->second)
          if (f != i) d.push_back(f);
        found = true;
      }
      size_t dot = ns.rfind('.');
      if (dot == std::string::npos) break;
      ns = ns.substr(0, dot);
    }
    if (!found) ++unres;
  }
}

// Rust: the directory that holds a module file's child modules.
std::string rust_module_dir(const std::string& path) {
  std::string dir = dir_of(path);
  std::string name = path.substr(dir.empty() ? 0 : dir.size() + 1);
  if (name == "lib.rs" || name == "main.rs" || name == "mod.rs") return dir;
  return join(dir, name.substr(0, name.size() - 3));
}

void rust_deps(const Repo& R, int i, std::vector<int>& d, int64_t& unres) {
  const std::string& path = R.files[i].path;
  const std::string mdir = rust_module_dir(path);
  // Crate root: the nearest ancestor directory with lib.rs or main.rs.
  std::string root = dir_of(path);
  for (std::string p = root;; p = dir_of(p)) {
    if (R.exact(join(p, "lib.rs")) >= 0 || R.exact(join(p, "main.rs")) >= 0) {
      root = p;
      break;
    }
    if (p.empty()) break;
  }
  auto module_file = [&](const std::string& dir, const std::vector<std::string>& segs) -> int {
    // Longest prefix of segs that names a module file.
    for (size_t n = segs.size(); n >= 1; --n) {
      std::string rel;
      for (size_t k = 0; k < n; ++k) rel = join(rel, segs[k]);
      int f = R.exact(join(dir, rel + ".rs"));
      if (f < 0) f = R.exact(join(join(dir, rel), "mod.rs"));
      if (f >= 0) return f;
    }
    return -1;
  };
  for (auto& raw : code_lines(R.files[i].text, true, false)) {
    std::string line = trim(raw);
    for (const char* vis : {"pub(crate) ", "pub(super) ", "pub "})
      if (line.rfind(vis, 0) == 0) line = trim(line.substr(strlen(vis)));
    if (line.rfind("mod ", 0) == 0 && !line.empty() && line.back() == ';') {
      std::string name = trim(line.substr(4, line.size() - 5));
      int f = module_file(mdir, {name});
      if (f >= 0) d.push_back(f);
      else ++unres;
    } else if (line.rfind("use ", 0) == 0) {
      std::string u = line.substr(4);
      size_t semi = u.find(';');
      if (semi != std::string::npos) u = u.substr(0, semi);
      // Expand one level of braces: a::b::{c, d::e} -> a::b::c, a::b::d::e
      std::vector<std::string> paths;
      size_t br = u.find('{');
      if (br == std::string::npos) paths.push_back(trim(u));
      else {
        std::string pre = trim(u.substr(0, br));
        size_t close = u.rfind('}');
        std::string inner = u.substr(br + 1, close == std::string::npos ? std::string::npos : close - br - 1);
        for (auto& part : split(inner, ',')) {
          std::string p = trim(part);
          if (!p.empty() && p.find('{') == std::string::npos && p.find('}') == std::string::npos) paths.push_back(pre + p);
        }
        if (paths.empty()) paths.push_back(pre);
      }
      for (auto& p : paths) {
        std::vector<std::string> segs;
        for (size_t k = 0; k <= p.size();) {
          size_t j = p.find("::", k);
          if (j == std::string::npos) j = p.size();
          std::string s = trim(p.substr(k, j - k));
          size_t as = s.find(" as ");
          if (as != std::string::npos) s = trim(s.substr(0, as));
          if (!s.empty()) segs.push_back(s);
          k = j + 2;
        }
        if (segs.empty()) continue;
        std::string base;
        if (segs[0] == "crate") base = root;
        else if (segs[0] == "self") base = mdir;
        else if (segs[0] == "super") {
          base = dir_of(mdir);
          size_t k = 1;
          while (k < segs.size() && segs[k] == "super") base = dir_of(base), ++k;
          segs.erase(segs.begin() + 1, segs.begin() + k);
        } else continue;  // external crate or std
        segs.erase(segs.begin());
        if (segs.empty()) continue;
        int f = module_file(base, segs);
        if (f >= 0 && f != i) d.push_back(f);
        else if (f < 0) ++unres;
      }
    }
  }
}

}  // namespace

std::vector<std::vector<int>> parse_dependencies(const std::vector<SourceFile>& files, int64_t* unresolved) {
  Repo R(files);
  const int n = (int)files.size();
  // C# namespace declarations ("namespace A.B {" or file-scoped "namespace A.B;").
  for (int i = 0; i < n; ++i) {
    if (lang_of(files[i].path) != Lang::csharp) continue;
    for (auto& raw : code_lines(files[i].text, true, false)) {
      std::string line = trim(raw);
      if (line.rfind("namespace ", 0) != 0) continue;
      std::string ns = trim(line.substr(10));
      size_t e = ns.find_first_of("{; ");
      if (e != std::string::npos) ns = ns.substr(0, e);
      if (!ns.empty()) R.namespaces[ns].push_back(i);
    }
  }
  std::vector<std::vector<int>> deps(n);
  std::vector<int64_t> unres(n, 0);
#pragma omp parallel for schedule(dynamic, 4)
  for (int i = 0; i < n; ++i) {
    auto& d = deps[i];
    switch (lang_of(files[i].path)) {
      case Lang::python: python_deps(R, i, d, unres[i]); break;
      case Lang::c: c_deps(R, i, d, unres[i]); break;
      case Lang::js: js_deps(R, i, d, unres[i]); break;
      case Lang::csharp: csharp_deps(R, i, d, unres[i]); break;
      case Lang::rust: rust_deps(R, i, d, unres[i]); break;
      case Lang::other: break;
    }
    std::sort(d.begin(), d.end());
    d.erase(std::unique(d.begin(), d.end()), d.end());
    d.erase(std::remove(d.begin(), d.end(), i), d.end());
  }
  if (unresolved) *unresolved = std::accumulate(unres.begin(), unres.end(), (int64_t)0);
  return deps;
}

// Strongly connected components (iterative Tarjan); comp[i] is the component of i.
static std::vector<int> scc(const std::vector<std::vector<int>>& g) {
  const int n = (int)g.size();
  std::vector<int> index(n, -1), low(n, 0), comp(n, -1), stack;
  std::vector<char> on(n, 0);
  std::vector<std::pair<int, size_t>> call;
  int counter = 0, ncomp = 0;
  for (int s = 0; s < n; ++s) {
    if (index[s] >= 0) continue;
    call.push_back({s, 0});
    while (!call.empty()) {
      auto& [v, k] = call.back();
      if (k == 0 && index[v] < 0) {
        index[v] = low[v] = counter++;
        stack.push_back(v);
        on[v] = 1;
      }
      if (k < g[v].size()) {
        int w = g[v][k++];
        if (index[w] < 0) call.push_back({w, 0});
        else if (on[w]) low[v] = std::min(low[v], index[w]);
        continue;
      }
      if (low[v] == index[v]) {
        for (;;) {
          int w = stack.back();
          stack.pop_back();
          on[w] = 0;
          comp[w] = ncomp;
          if (w == v) break;
        }
        ++ncomp;
      }
      int done = v;
      call.pop_back();
      if (!call.empty()) low[call.back().first] = std::min(low[call.back().first], low[done]);
    }
  }
  return comp;
}

std::vector<int> topo_order(const std::vector<std::vector<int>>& deps, int* cycle_breaks) {
  const int n = (int)deps.size();
  std::vector<std::vector<int>> users(n);
  std::vector<int> indeg(n, 0);
  for (int i = 0; i < n; ++i)
    for (int j : deps[i]) users[j].push_back(i), ++indeg[i];
  // A cycle is broken only inside a strongly connected component whose
  // dependencies outside itself are all placed, so files that merely depend
  // on a cycle still come after all of it.
  std::vector<int> comp = scc(deps);
  std::vector<int> ext(n, 0);  // per component: unplaced dependency edges from outside it
  for (int i = 0; i < n; ++i)
    for (int j : deps[i])
      if (comp[j] != comp[i]) ++ext[comp[i]];
  // Weakly connected components (union-find), ordered by their first file.
  std::vector<int> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (int i = 0; i < n; ++i)
    for (int j : deps[i]) {
      int a = find(i), b = find(j);
      if (a != b) parent[std::max(a, b)] = std::min(a, b);
    }
  std::map<int, std::vector<int>> comps;
  for (int i = 0; i < n; ++i) comps[find(i)].push_back(i);
  std::vector<int> order;
  order.reserve(n);
  int breaks = 0;
  std::vector<char> placed(n, 0);
  for (auto& [root, members] : comps) {
    std::set<std::pair<int, int>> ready;  // (unplaced dependencies, index)
    for (int i : members) ready.insert({indeg[i], i});
    while (!ready.empty()) {
      auto it = ready.begin();
      if (it->first > 0) {
        // Cycle: DeepSeek-Coder takes the file with the lowest in-degree;
        // we take it among the files of a cycle that is ready to start.
        while (it != ready.end() && ext[comp[it->second]] > 0) ++it;
        if (it == ready.end()) it = ready.begin();  // unreachable for a finite graph
        ++breaks;
      }
      int i = it->second;
      ready.erase(it);
      placed[i] = 1;
      order.push_back(i);
      for (int u : users[i]) {
        if (placed[u]) continue;
        ready.erase({indeg[u], u});
        --indeg[u];
        ready.insert({indeg[u], u});
        if (comp[u] != comp[i]) --ext[comp[u]];
      }
    }
  }
  if (cycle_breaks) *cycle_breaks = breaks;
  return order;
}

std::string repo_document(const std::vector<SourceFile>& files, const std::vector<int>& order) {
  std::string doc;
  for (int i : order) {
    Lang l = lang_of(files[i].path);
    const char* c = (l == Lang::python || l == Lang::other) ? "# " : "// ";
    if (!doc.empty() && doc.back() != '\n') doc.push_back('\n');
    if (!doc.empty()) doc.push_back('\n');
    doc += c;
    doc += "File: ";
    doc += files[i].path;
    doc.push_back('\n');
    doc += files[i].text;
  }
  return doc;
}

json run_order_code(const OrderRun& run) {
  R1_CHECK(!run.inputs.empty(), "order-code: no inputs");
  check_inputs_exist(run.inputs);
  if (!run.out_dir.empty()) check_distinct_names(run.inputs);
  const double t0 = now_seconds();
  json files_j = json::array();
  Counts total;
  int64_t repos = 0, nfiles = 0, edges = 0, unresolved = 0, breaks = 0, split_repos = 0;
  for (auto& in : run.inputs) {
    std::string out_path = run.out_dir.empty() ? "" : out_path_for(run.out_dir, in);
    std::unique_ptr<LineWriter> w;
    if (!out_path.empty()) w = std::make_unique<LineWriter>(out_path);
    LineReader reader(in, run.read.max_doc_bytes);
    ReadOptions ro = run.read;
    ro.keep_empty = true;  // empty source files (package __init__.py) are still files
    Counts c;
    std::vector<Doc> batch;
    std::string cur_repo;
    json first;  // first file's other fields, passed through
    std::vector<SourceFile> files;
    std::set<std::string> done_repos;
    int64_t file_repos = 0;
    auto flush = [&]() {
      if (files.empty()) return;
      int64_t un = 0;
      int br = 0;
      auto deps = parse_dependencies(files, &un);
      auto order = topo_order(deps, &br);
      for (auto& d : deps) edges += (int64_t)d.size();
      unresolved += un;
      breaks += br;
      nfiles += (int64_t)files.size();
      ++repos;
      ++file_repos;
      json o = first;
      o.erase(run.path_field);
      json paths = json::array();
      for (int i : order) paths.push_back(files[i].path);
      o[run.repo_field] = cur_repo;
      o["files"] = paths;
      o[run.read.field] = repo_document(files, order);
      if (w) w->write(o.dump(-1, ' ', false, json::error_handler_t::replace));
      ++c.kept;
      if (!done_repos.insert(cur_repo).second) ++split_repos;
      files.clear();
    };
    while (read_batch(reader, ro, batch, c)) {
      for (auto& d : batch) {
        if (d.status != LineStatus::ok) continue;
        json j = json::parse(d.raw);
        std::string repo = j.contains(run.repo_field) && j[run.repo_field].is_string() ? j[run.repo_field].get<std::string>() : "";
        R1_CHECK(j.contains(run.path_field) && j[run.path_field].is_string(), in, ":", d.line_no, ": no string \"",
                 run.path_field, "\" member");
        if (repo != cur_repo || files.empty()) {
          flush();
          cur_repo = repo;
          first = j;
          first.erase(run.read.field);
        }
        files.push_back({j[run.path_field].get<std::string>(), d.text});
      }
    }
    flush();
    // Documents out != lines in here: kept counts repositories.
    if (w) w->commit();
    json fj = c.to_json();
    fj["file"] = in;
    fj["repositories"] = file_repos;
    files_j.push_back(fj);
    total.merge(c);
  }
  double secs = seconds_since(t0);
  json tj = total.to_json();
  json rep = {{"stage", "order-code"}, {"files", files_j}, {"total", tj}, {"repositories", repos}, {"source_files", nfiles},
              {"dependency_edges", edges}, {"unresolved_imports", unresolved}, {"cycle_breaks", breaks},
              {"repositories_split", split_repos}, {"threads", omp_get_max_threads()}, {"seconds", secs}, {"peak_rss_mib", peak_rss_mib()},
              {"mb_per_s", secs > 0 ? total.bytes / 1e6 / secs : 0.0}};
  if (split_repos)
    fprintf(stderr, "order-code: warning: %lld repositories appear in more than one run of lines (input not grouped by %s)\n",
            (long long)split_repos, run.repo_field.c_str());
  if (!run.out_dir.empty()) write_file_atomic(run.out_dir + "/order_report.json", rep.dump(2) + "\n");
  return rep;
}

}  // namespace r1::data
