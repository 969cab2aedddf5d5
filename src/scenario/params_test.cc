// The params table and the value syntax shared by the loader and the CLI.
#include "dmakit/scenario/params.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "dmakit/scenario/step_kinds.h"

namespace dmakit::scenario {
namespace {

TEST(ParseSize, PlainDecimalAndHex) {
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_EQ(*ParseSize("0x1000"), 4096u);
  EXPECT_EQ(*ParseSize("0X1000"), 4096u);
  EXPECT_EQ(*ParseSize(" 64 "), 64u);
  EXPECT_EQ(*ParseSize("0"), 0u);
}

TEST(ParseSize, BinaryUnits) {
  EXPECT_EQ(*ParseSize("4KiB"), 4096u);
  EXPECT_EQ(*ParseSize("4 KiB"), 4096u);
  EXPECT_EQ(*ParseSize("4K"), 4096u);
  EXPECT_EQ(*ParseSize("4k"), 4096u);
  EXPECT_EQ(*ParseSize("4KB"), 4096u);
  EXPECT_EQ(*ParseSize("1MiB"), 1u << 20);
  EXPECT_EQ(*ParseSize("1M"), 1u << 20);
  EXPECT_EQ(*ParseSize("2GiB"), 2ull << 30);
  EXPECT_EQ(*ParseSize("64B"), 64u);
  EXPECT_EQ(*ParseSize("0x10KiB"), 16u << 10);
  EXPECT_EQ(*ParseSize("0x10 MiB"), 16u << 20);
}

TEST(ParseSize, HexDigitsAreNotUnits) {
  EXPECT_EQ(*ParseSize("0x1B"), 0x1bu);
  EXPECT_EQ(*ParseSize("0xdB"), 0xdbu);
  EXPECT_EQ(*ParseSize("0xfffB"), 0xfffbu);
}

TEST(ParseSize, LargestValues) {
  EXPECT_EQ(*ParseSize("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(*ParseSize("17179869183GiB"), 17179869183ull << 30);
}

TEST(ParseSize, Errors) {
  for (const char* bad : {"", "KiB", "4Kb", "4 kib", "4TiB", "-1", "+4", "1.5MiB", "0x", "0xg",
                          "18446744073709551616", "17179869184GiB", "4 4", "4KiBB"}) {
    auto r = ParseSize(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kParse);
    EXPECT_EQ(r.error().message(),
              "expected a size (bytes, or with a unit: 4KiB, 1MiB, 2GiB), "
              "got '" +
                  std::string(bad) + "'");
  }
}

TEST(ParseUint, DecimalAndHex) {
  EXPECT_EQ(*ParseUint("42"), 42u);
  EXPECT_EQ(*ParseUint("0x2a"), 42u);
  EXPECT_EQ(*ParseUint("0xFFFFFFFFFFFFFFFF"), UINT64_MAX);
  for (const char* bad : {"", "x", "0x", "-1", "4KiB", "0x1g", "0x10000000000000000"}) {
    auto r = ParseUint(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message(),
              "expected a number (decimal or 0x hex), got '" + std::string(bad) + "'");
  }
}

TEST(ParseBool, Spellings) {
  for (const char* t : {"true", "True", "yes", "on", " ON "}) EXPECT_TRUE(*ParseBool(t)) << t;
  for (const char* f : {"false", "FALSE", "no", "off"}) EXPECT_FALSE(*ParseBool(f)) << f;
  auto r = ParseBool("1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "expected true or false, got '1'");
}

TEST(ParseHexBytes, Spellings) {
  std::vector<uint8_t> want{0xde, 0xad, 0xbe, 0xef};
  EXPECT_EQ(*ParseHexBytes("de ad be ef"), want);
  EXPECT_EQ(*ParseHexBytes("deadbeef"), want);
  EXPECT_EQ(*ParseHexBytes("0xDEADBEEF"), want);
  EXPECT_EQ(*ParseHexBytes("de:ad:be:ef"), want);
  EXPECT_EQ(*ParseHexBytes("de,ad,be,ef"), want);
}

TEST(ParseHexBytes, Errors) {
  auto odd = ParseHexBytes("abc");
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().message(),
            "expected hex bytes, two digits each (\"de ad be ef\"), got 'abc'");
  auto empty = ParseHexBytes("  ");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message(),
            "expected hex bytes, two digits each (\"de ad be ef\"), got '  '");
  auto bad = ParseHexBytes("de ag");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "expected hex bytes (\"de ad be ef\"), got 'de ag'");
}

TEST(MatchChoice, CaseAndDashInsensitive) {
  EXPECT_EQ(MatchChoice("Write-Combine", "cached|write_combine|uncached"), "write_combine");
  EXPECT_EQ(MatchChoice(" lru ", "lru|random"), "lru");
  EXPECT_EQ(MatchChoice("random", "lru|random"), "random");
  EXPECT_EQ(MatchChoice("rand", "lru|random"), std::nullopt);
  EXPECT_EQ(MatchChoice("", "lru|random"), std::nullopt);
  EXPECT_EQ(NormalizeEnum("To-Device"), "to_device");
}

// --- the table's own consistency: what the loader and the docs rely on ------------------------

TEST(ParamsTable, KeysAreUniquePerSection) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const ParamSpec& p : AllParams()) {
    EXPECT_TRUE(seen.emplace(std::string(p.section), std::string(p.key)).second)
        << p.section << "." << p.key;
  }
}

TEST(ParamsTable, EveryParamHasADescription) {
  for (const ParamSpec& p : AllParams()) {
    EXPECT_FALSE(p.description.empty()) << p.section << "." << p.key;
    EXPECT_FALSE(p.key.empty()) << p.section;
  }
}

TEST(ParamsTable, SizesAreInBytes) {
  for (const ParamSpec& p : AllParams()) {
    if (p.type == ParamType::kSize) {
      EXPECT_EQ(p.unit, "bytes") << p.section << "." << p.key;
    }
  }
}

TEST(ParamsTable, EnumsHaveChoicesAndReferencesAKind) {
  for (const ParamSpec& p : AllParams()) {
    if (p.type == ParamType::kEnum) {
      EXPECT_FALSE(p.choices.empty()) << p.section << "." << p.key;
    }
    if (p.type == ParamType::kRef || p.type == ParamType::kDef) {
      EXPECT_NE(p.ref, RefKind::kNone) << p.section << "." << p.key;
    }
  }
}

TEST(ParamsTable, EveryDefaultIsAValidValueOfItsType) {
  for (const ParamSpec& p : AllParams()) {
    std::string_view d = p.default_value;
    if (d.empty() || d[0] == '=' || p.required) continue;
    std::string where = std::string(p.section) + "." + std::string(p.key) + " = " + std::string(d);
    switch (p.type) {
      case ParamType::kSize:
        EXPECT_TRUE(ParseSize(d).ok()) << where;
        break;
      case ParamType::kUint:
      case ParamType::kAddr:
        EXPECT_TRUE(ParseUint(d).ok()) << where;
        break;
      case ParamType::kBool:
        EXPECT_TRUE(ParseBool(d).ok()) << where;
        break;
      case ParamType::kEnum:
        EXPECT_TRUE(MatchChoice(d, p.choices).has_value()) << where;
        break;
      default:
        break;
    }
  }
}

TEST(ParamsTable, DefaultsNamingAnotherKeyNameAKeyOfTheSameSection) {
  for (const ParamSpec& p : AllParams()) {
    if (p.default_value.size() < 2 || p.default_value[0] != '=') continue;
    if (p.section == "scenario") continue;  // "=file": the file's stem, filled by the loader
    EXPECT_NE(FindParam(p.section, p.default_value.substr(1)), nullptr)
        << p.section << "." << p.key;
  }
}

TEST(ParamsTable, StepParamsLiveInTheirKindsSection) {
  for (const StepKind& k : StepKinds()) {
    for (const ParamSpec& p : k.params) {
      EXPECT_EQ(p.section, "step." + std::string(k.name)) << p.key;
    }
    EXPECT_FALSE(k.summary.empty()) << k.name;
    EXPECT_TRUE(k.example.starts_with("- " + std::string(k.name))) << k.name;
    EXPECT_EQ(FindStepKind(k.name), &k);
  }
  EXPECT_EQ(FindStepKind("no_such_step"), nullptr);
}

TEST(ParamsTable, ParamsOfAndFindParam) {
  auto cache = ParamsOf("platform.cache");
  ASSERT_EQ(cache.size(), 4u);
  EXPECT_EQ(cache[0]->key, "size");
  EXPECT_EQ(cache[3]->key, "policy");
  EXPECT_TRUE(ParamsOf("no.such.section").empty());
  const ParamSpec* size = FindParam("buffers", "size");
  ASSERT_NE(size, nullptr);
  EXPECT_TRUE(size->required);
  EXPECT_EQ(FindParam("buffers", "nope"), nullptr);
  EXPECT_NE(FindParam("step.map_single", "dir"), nullptr);
  EXPECT_NE(FindParam("step", "error"), nullptr);
}

TEST(ParamReference, MarkdownEscapesBarsInCells) {
  std::ostringstream md;
  WriteParamReferenceMarkdown(md);
  EXPECT_NE(md.str().find("| `policy` | lru\\|random\\|adversarial | lru |"), std::string::npos);
  // Every table row has exactly the five cells of its header.
  std::istringstream lines(md.str());
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("| `")) continue;
    int bars = 0;
    for (size_t i = 0; i < line.size(); ++i)
      bars += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    EXPECT_EQ(bars, 6) << line;
  }
}

TEST(ParamReference, TextAndMarkdownNameEveryKeyAndSection) {
  std::ostringstream md, text;
  WriteParamReferenceMarkdown(md);
  WriteParamReferenceText(text);
  for (const ParamSpec& p : AllParams()) {
    EXPECT_NE(md.str().find("| `" + std::string(p.key) + "` |"), std::string::npos) << p.key;
    std::string_view heading = p.section.starts_with("step.") ? p.section.substr(5) : p.section;
    EXPECT_NE(md.str().find("#### `" + std::string(heading) + "`"), std::string::npos) << p.section;
    EXPECT_NE(text.str().find("[" + std::string(p.section) + "]"), std::string::npos);
    EXPECT_NE(text.str().find("  " + std::string(p.key) + " "), std::string::npos) << p.key;
  }
  for (const StepKind& k : StepKinds()) {
    EXPECT_NE(md.str().find(std::string(k.example)), std::string::npos) << k.name;
    EXPECT_NE(md.str().find(std::string(k.summary)), std::string::npos) << k.name;
    EXPECT_NE(md.str().find("| [`" + std::string(k.name) + "`](#step-"), std::string::npos);
  }
}

}  // namespace
}  // namespace dmakit::scenario
