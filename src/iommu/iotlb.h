// Iotlb: the IOMMU's translation cache.
//
// Fully associative, `capacity` entries, each caching one 4 KiB page of one domain (a block
// translation fills one entry for the page that was accessed). Tagged by (domain, IOVA page),
// so domains (ASIDs) share the cache without flushing on a switch. Replacement: least
// recently used (a lookup hit makes an entry most recent). Invalidation by everything, by
// domain, or by IOVA range within a domain; each returns how many entries it dropped.
// Not modelled: multiple page sizes per entry, set-associativity, walk caches.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/addr_range.h"

namespace dmakit {

struct IotlbEntry {
  uint64_t domain = 0;
  uint64_t iova_page = 0;  // IOVA >> 12
  PhysAddr phys_page;      // physical address of the page
  bool read_only = false;
};

class Iotlb {
 public:
  // Precondition: capacity >= 1 (the Iommu validates its config).
  explicit Iotlb(uint32_t capacity);

  // The entry for (domain, iova_page), made most recently used; nullptr on a miss.
  const IotlbEntry* Lookup(uint64_t domain, uint64_t iova_page);
  // Inserts or replaces; evicts the least recently used entry when full.
  void Insert(const IotlbEntry& entry);

  uint64_t InvalidateAll();
  uint64_t InvalidateDomain(uint64_t domain);
  uint64_t InvalidateRange(uint64_t domain, DmaRange range);

  uint32_t capacity() const { return capacity_; }
  size_t size() const { return index_.size(); }

 private:
  struct Slot {
    IotlbEntry entry;
    uint32_t prev = kNil;
    uint32_t next = kNil;
    bool used = false;
  };
  struct KeyHash {
    size_t operator()(const std::pair<uint64_t, uint64_t>& k) const {
      return std::hash<uint64_t>{}(k.first * 0x9e3779b97f4a7c15ull ^ k.second);
    }
  };
  static constexpr uint32_t kNil = ~uint32_t{0};

  void Unlink(uint32_t slot);
  void PushFront(uint32_t slot);
  void Drop(uint32_t slot);

  uint32_t capacity_;
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_;
  uint32_t head_ = kNil;  // most recently used
  uint32_t tail_ = kNil;  // least recently used
  std::unordered_map<std::pair<uint64_t, uint64_t>, uint32_t, KeyHash> index_;
};

}  // namespace dmakit
