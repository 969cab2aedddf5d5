// Memory-attribute rules: aliasing, and remapping uncached while lines may still be cached.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/check_test_util.h"
#include "dmakit/check/checker.h"

namespace dmakit {
namespace {

using ::testing::ElementsAre;
using namespace dmakit::testing;  // NOLINT

constexpr uint64_t kPage = 0x80040000;

class CpuMemoryRules : public ::testing::Test {
 protected:
  const Violation& Only(RuleId rule) {
    EXPECT_THAT(Rules(checker), ElementsAre(rule)) << Dump(checker);
    static const Violation kNone;
    return checker.violations().empty() ? kNone : checker.violations().front();
  }
  void ExpectClean() { EXPECT_EQ(checker.total(), 0u) << Dump(checker); }

  Checker checker;
  FakeDriver cpu{checker, "cpu"};
};

TEST_F(CpuMemoryRules, AttributeAlias) {
  cpu.CpuMap(0xffff0000, kPage, 4096, MemAttr::kCached);
  cpu.CpuMap(0xffff8000, kPage, 4096, MemAttr::kWriteCombine);
  const Violation& v = Only(RuleId::kAttributeAlias);
  EXPECT_EQ(v.message,
            "CPU maps a page with a memory attribute different from a live mapping of it [phys "
            "page=0x80040000] [cpu address=0xffff8000] [attr=write-combine] [other cpu "
            "address=0xffff0000] [other attr=cached] [pages=1]");
  EXPECT_EQ(v.mapping_seq, 1u);
  EXPECT_THAT(v.lines, ElementsAre(PhysRange(PhysAddr(kPage), 4096)));
}

TEST_F(CpuMemoryRules, RemapAfterUnmapIsNoAlias) {
  cpu.CpuMap(0xffff0000, kPage, 4096, MemAttr::kUncached);
  cpu.CpuUnmap(0xffff0000, 4096);
  cpu.CpuMap(0xffff8000, kPage, 4096, MemAttr::kWriteCombine);
  cpu.CpuMap(0xffffc000, kPage, 4096, MemAttr::kWriteCombine);
  ExpectClean();
}

TEST_F(CpuMemoryRules, AttributeChangeWithoutClean) {
  cpu.CpuWrite(kPage + 0x100, 64);
  cpu.CpuMap(0xffff8000, kPage, 4096, MemAttr::kWriteCombine);
  const Violation& v = Only(RuleId::kAttributeChangeWithoutClean);
  EXPECT_EQ(v.message,
            "CPU maps memory write-combine while its lines may be in the cache [cpu "
            "address=0xffff8000] [size=4096 bytes] [cacheline=0x80040100] [cached lines=1]");
  EXPECT_THAT(v.lines, ElementsAre(PhysRange(PhysAddr(kPage + 0x100), 64)));
}

TEST_F(CpuMemoryRules, PrepareCpuMappingBeforeUncachedMapIsClean) {
  cpu.CpuWrite(kPage, 4096);
  cpu.PrepareCpuMapping(kPage, 4096, MemAttr::kUncached);
  cpu.CpuMap(0xffff8000, kPage, 4096, MemAttr::kUncached);
  ExpectClean();
}

TEST_F(CpuMemoryRules, CleanInvalidateBeforeUncachedMapIsClean) {
  cpu.CpuWrite(kPage, 4096);
  cpu.Maintain(CacheOp::kCleanInvalidate, kPage, 4096);
  cpu.CpuMap(0xffff8000, kPage, 4096, MemAttr::kUncached);
  ExpectClean();
}

// The rule as documented: a clean leaves the line cached, so it is not enough.
TEST_F(CpuMemoryRules, CleanAloneIsNotEnoughBeforeUncachedMap) {
  cpu.CpuWrite(kPage, 4096);
  cpu.Maintain(CacheOp::kClean, kPage, 4096);
  cpu.CpuMap(0xffff8000, kPage, 4096, MemAttr::kUncached);
  EXPECT_EQ(Only(RuleId::kAttributeChangeWithoutClean).lines,
            std::vector<PhysRange>{PhysRange(PhysAddr(kPage), 4096)});
}

TEST_F(CpuMemoryRules, UncachedAccessesLeaveNothingInTheCache) {
  cpu.CpuAccess(Access::kWrite, kPage, 4096, MemAttr::kUncached);
  cpu.CpuMap(0xffff8000, kPage, 4096, MemAttr::kWriteCombine);
  ExpectClean();
}

}  // namespace
}  // namespace dmakit
