#include "dmakit/core/symbol.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dmakit/core/source_loc.h"

namespace dmakit {
namespace {

TEST(Symbol, SameTextSameSymbol) {
  Symbol a("gpu0"), b(std::string("gpu") + "0"), c("gpu1");
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.c_str(), b.c_str());
  EXPECT_FALSE(a == c);
  EXPECT_EQ(a.str(), "gpu0");
}

TEST(Symbol, DefaultIsEmpty) {
  Symbol s;
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.str(), "");
}

TEST(Symbol, EmptyTextIsTheDefaultSymbol) {
  EXPECT_EQ(Symbol(""), Symbol());
  EXPECT_EQ(Symbol(std::string_view()), Symbol());
  EXPECT_EQ(Symbol(std::string("x").substr(1)).c_str(), Symbol().c_str());
  EXPECT_EQ(Symbol("").hash(), Symbol().hash());
}

TEST(Symbol, OrdersByText) {
  EXPECT_TRUE(Symbol("a") < Symbol("b"));
  EXPECT_FALSE(Symbol("b") < Symbol("a"));
}

TEST(Symbol, InterningIsThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<const char*> seen(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &seen] {
      for (int i = 0; i < 1000; ++i) Symbol(std::to_string(i));
      seen[t] = Symbol("shared-name").c_str();
    });
  }
  for (auto& th : threads) th.join();
  for (const char* p : seen) EXPECT_EQ(p, seen[0]);
}

TEST(SourceLoc, HereRecordsTheCaller) {
  SourceLoc loc = Here();
  EXPECT_NE(std::string(loc.file).find("symbol_test.cc"), std::string::npos);
  EXPECT_GT(loc.line, 0u);
  EXPECT_TRUE(loc.known());
}

TEST(SourceLoc, InternedLocationsCompareByContent) {
  SourceLoc a = SourceLoc::Interned("trace.txt", 12);
  SourceLoc b = SourceLoc::Interned(std::string("trace") + ".txt", 12);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.ToString(), "trace.txt:12");
  EXPECT_EQ(SourceLoc::Interned("s.yaml", 3, 7).ToString(), "s.yaml:3:7");
  EXPECT_EQ(SourceLoc().ToString(), "<unknown>");
}

}  // namespace
}  // namespace dmakit
