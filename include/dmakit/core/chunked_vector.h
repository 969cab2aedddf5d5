// ChunkedVector<T>: a vector that grows by whole chunks of kChunk default-constructed
// elements and never moves an element once made. Indexing is one shift and one extra load.
//
// The checker keeps one slot per live mapping; a std::vector of them, at a quarter million
// live mappings of a few hundred bytes each, doubles by moving every one of them (about a
// hundred megabytes and the page faults of the new block) inside whichever map call crosses
// the power of two: a stall of a good fraction of a second in the middle of a run. Growing by
// chunks bounds every push to constructing one chunk, and a reference to an element stays
// valid for the vector's whole life.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace dmakit {

template <typename T, size_t kChunk = 256>
class ChunkedVector {
  static_assert((kChunk & (kChunk - 1)) == 0, "kChunk must be a power of two");

 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  T& operator[](size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }

  // Appends a default-constructed element and returns it.
  T& emplace_back() {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<T[]>(kChunk));
    return (*this)[size_++];
  }
  // Appends a copy of `value` and returns the new element.
  T& push_back(const T& value) { return emplace_back() = value; }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace dmakit
