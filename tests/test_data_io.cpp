// Data pipeline I/O: JSON line scanner, plain/zstd streaming, bad-line accounting.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "data/jsonl.h"
#include "data/stage.h"
#include "data/text.h"

using namespace r1;
using namespace r1::data;

static std::string tmpdir() {
  auto d = std::filesystem::temp_directory_path() / ("r1_data_io_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

TEST(DataJson, ScanExtractsTextAndValidates) {
  std::string v;
  bool found, bad;
  EXPECT_TRUE(json_scan_line(R"({"id":1,"text":"a\nb \"q\" \u00e9 \ud83d\ude00","x":[1,{"y":null}]})", "text", v, found, bad));
  EXPECT_TRUE(found);
  EXPECT_FALSE(bad);
  EXPECT_EQ(v, "a\nb \"q\" \xC3\xA9 \xF0\x9F\x98\x80");
  // Key order does not matter; nested "text" keys are not the top-level one.
  EXPECT_TRUE(json_scan_line(R"({"meta":{"text":"inner"},"text":"outer"})", "text", v, found, bad));
  EXPECT_EQ(v, "outer");
  EXPECT_TRUE(json_scan_line(R"({"text":5})", "text", v, found, bad));
  EXPECT_FALSE(found);
  EXPECT_TRUE(json_scan_line(R"({})", "text", v, found, bad));
  EXPECT_FALSE(found);
  EXPECT_TRUE(json_scan_line(R"({"text":"x\ud800y"})", "text", v, found, bad));
  EXPECT_TRUE(bad);  // unpaired surrogate
  for (const char* badj : {"", "[1]", "{", R"({"text":"x")", R"({"text":"x",})", R"({"a":01})", R"({"a":1.})",
                           R"({"a":tru})", R"({"a":"\q"})", "{\"a\":\"\x01\"}", R"({"a":1} x)", R"({"a" 1})",
                           R"({"a":[1,]})", R"({"a":-})"})
    EXPECT_FALSE(json_scan_line(badj, "text", v, found, bad)) << badj;
  for (const char* good : {R"({"a":-0.5e+3})", R"({"a":[]})", R"({"a":{}})", R"( {"a" : [ true , false , null ] } )"})
    EXPECT_TRUE(json_scan_line(good, "text", v, found, bad)) << good;
  // Deep nesting is iterative: no stack overflow.
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_TRUE(json_scan_line(deep, "text", v, found, bad));
}

TEST(DataJson, AddNumberKeepsOtherFields) {
  EXPECT_EQ(json_add_number(R"({"id":"x","text":"t"})", "s", 0.5), R"({"id":"x","text":"t","s":0.5})");
  EXPECT_EQ(json_add_number("{}", "s", 2), R"({"s":2})");
}

TEST(DataIo, PlainAndZstdRoundTripWithLongLines) {
  std::string d = tmpdir();
  for (std::string name : {"a.jsonl", "a.jsonl.zst"}) {
    std::string p = d + "/" + name;
    {
      LineWriter w(p);
      w.write("first");
      w.write(std::string(3000, 'x'));
      w.write("third\r");
      w.write("");
      w.commit();
    }
    LineReader r(p, 1000);
    EXPECT_EQ(r.compressed(), name.size() > 8);
    std::string line;
    bool tl;
    ASSERT_TRUE(r.next(line, tl));
    EXPECT_EQ(line, "first");
    EXPECT_FALSE(tl);
    ASSERT_TRUE(r.next(line, tl));
    EXPECT_TRUE(tl);  // 3000 > 1000: skipped, never held whole
    EXPECT_EQ(r.line_no(), 2);
    ASSERT_TRUE(r.next(line, tl));
    EXPECT_EQ(line, "third");  // CR stripped
    ASSERT_TRUE(r.next(line, tl));
    EXPECT_EQ(line, "");
    EXPECT_FALSE(r.next(line, tl));
  }
  // No trailing newline.
  std::ofstream(d + "/b.jsonl") << "x\ny";
  LineReader r(d + "/b.jsonl", 100);
  std::string line;
  bool tl;
  ASSERT_TRUE(r.next(line, tl));
  ASSERT_TRUE(r.next(line, tl));
  EXPECT_EQ(line, "y");
  EXPECT_FALSE(r.next(line, tl));
  std::filesystem::remove_all(d);
}

TEST(DataIo, MissingAndTruncatedFilesFailClearly) {
  try {
    LineReader r("/nonexistent/dir/x.jsonl", 100);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/x.jsonl: cannot open"), std::string::npos);
  }
  std::string d = tmpdir();
  {
    LineWriter w(d + "/t.jsonl.zst");
    for (int i = 0; i < 2000; ++i) w.write("{\"text\":\"line " + std::to_string(i) + " with some words\"}");
    w.commit();
  }
  auto sz = std::filesystem::file_size(d + "/t.jsonl.zst");
  std::filesystem::resize_file(d + "/t.jsonl.zst", sz / 2);
  LineReader r(d + "/t.jsonl.zst", 1000);
  std::string line;
  bool tl;
  EXPECT_THROW(
      {
        while (r.next(line, tl)) {
        }
      },
      Error);
  std::filesystem::remove_all(d);
}

TEST(DataIo, BatchStatusesAndLineNumbers) {
  std::string d = tmpdir();
  std::string p = d + "/in.jsonl";
  {
    std::ofstream f(p, std::ios::binary);
    f << "{\"text\":\"good one\",\"id\":1}\n"   // 1 ok
      << "not json\n"                          // 2
      << "{\"text\":\"bad \xff utf8\"}\n"      // 3
      << "\n"                                  // 4 blank
      << "{\"id\":5}\n"                        // 5 no text
      << "{\"text\":\"   \"}\n"                // 6 empty
      << "{\"text\":\"" << std::string(5000, 'a') << "\"}\n"  // 7 too large
      << "{\"text\":\"good two\"}\n";          // 8 ok
  }
  LineReader r(p, 4096);
  ReadOptions o;
  o.max_doc_bytes = 4096;
  o.batch_docs = 3;  // several batches
  Counts c;
  std::vector<Doc> b;
  std::vector<int64_t> ok_lines;
  while (read_batch(r, o, b, c))
    for (auto& doc : b)
      if (doc.status == LineStatus::ok) ok_lines.push_back(doc.line_no);
  EXPECT_EQ(ok_lines, (std::vector<int64_t>{1, 8}));
  EXPECT_EQ(c.lines, 8);
  EXPECT_EQ(c.docs, 2);
  EXPECT_EQ(c.invalid_json, 1);
  EXPECT_EQ(c.bad_json_lines, std::vector<int64_t>{2});
  EXPECT_EQ(c.bad_utf8_lines, std::vector<int64_t>{3});
  EXPECT_EQ(c.blank, 1);
  EXPECT_EQ(c.no_text_lines, std::vector<int64_t>{5});
  EXPECT_EQ(c.empty_lines, std::vector<int64_t>{6});
  EXPECT_EQ(c.too_large_lines, std::vector<int64_t>{7});
  EXPECT_THROW(out_path_for(d, p), Error);  // would overwrite the input
  std::filesystem::remove_all(d);
}

TEST(DataText, WordsIgnoreCaseSpacingPunctuationAndSplitCjk) {
  std::vector<uint64_t> a, b;
  word_hashes("Hello,  World!\nThis is   a TEST.", a);
  word_hashes("hello world this is a test", b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(sequence_hash(a), sequence_hash(b));
  word_hashes("hello world this is the test", b);
  EXPECT_NE(sequence_hash(a), sequence_hash(b));
  EXPECT_EQ(normalize("中文测试，Ünïcode Words"), "中 文 测 试 Ünïcode words");
}
