#include "dmakit/core/chunked_vector.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace dmakit {
namespace {

TEST(ChunkedVector, ElementsKeepTheirAddressesAndValuesAcrossChunks) {
  ChunkedVector<std::string, 4> v;
  EXPECT_TRUE(v.empty());
  std::vector<const std::string*> where;
  for (int i = 0; i < 37; ++i) {  // nine full chunks and one started
    std::string& s = v.push_back("slot " + std::to_string(i));
    where.push_back(&s);
  }
  ASSERT_EQ(v.size(), 37u);
  for (size_t i = 0; i < v.size(); ++i) {
    EXPECT_EQ(&v[i], where[i]) << "element " << i << " moved";
    EXPECT_EQ(v[i], "slot " + std::to_string(i));
  }
}

TEST(ChunkedVector, EmplaceBackGivesADefaultElementEvenAfterAChunkWasReused) {
  ChunkedVector<std::vector<int>, 2> v;
  v.emplace_back().push_back(1);
  std::vector<int>& second = v.emplace_back();
  EXPECT_TRUE(second.empty());
  std::vector<int>& third = v.emplace_back();  // a new chunk
  EXPECT_TRUE(third.empty());
  EXPECT_EQ(v[0], std::vector<int>{1});
}

TEST(ChunkedVector, AMoveCarriesTheElementsWithoutMovingThem) {
  ChunkedVector<int, 8> a;
  for (int i = 0; i < 20; ++i) a.push_back(i * i);
  const int* tenth = &a[10];
  ChunkedVector<int, 8> b = std::move(a);
  ASSERT_EQ(b.size(), 20u);
  EXPECT_EQ(&b[10], tenth);
  EXPECT_EQ(b[19], 361);
}

}  // namespace
}  // namespace dmakit
