// Ownership of the cache lines a mapping covers, and the recent transitions that moved it.
//
// A mapping's lines are numbered in the order of its pieces (see Mapping). Ownership is
// usually uniform (a whole-buffer map, sync or unmap moves every line), so LineOwnership
// stores one owner and materialises a per-line array only when a partial sync splits it:
// a full map -> sync -> unmap cycle costs O(1), not O(lines).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dmakit/core/addr_range.h"
#include "dmakit/core/dma_types.h"
#include "dmakit/core/event.h"
#include "dmakit/core/source_loc.h"
#include "dmakit/core/symbol.h"

namespace dmakit {

enum class Owner : uint8_t {
  kCpu,     // the CPU may touch the line; the device must not
  kDevice,  // the device may touch the line; the CPU must not
  kShared,  // coherent allocation: both may, no ownership moves
};
std::string_view ToString(Owner owner);

class LineOwnership {
 public:
  LineOwnership() = default;
  LineOwnership(uint64_t line_count, Owner initial) : count_(line_count), uniform_(initial) {}

  uint64_t line_count() const { return count_; }
  Owner Get(uint64_t index) const { return per_line_.empty() ? uniform_ : per_line_[index]; }
  // Sets lines [first, first + count) (clamped to the mapping) to `owner`.
  void Set(uint64_t first, uint64_t count, Owner owner) {
    if (first == 0 && count >= count_ && count_ != 0 && per_line_.empty()) {
      uniform_ = owner;  // the common case: a whole-buffer move of uniform lines
      return;
    }
    SetSome(first, count, owner);
  }
  void SetAll(Owner owner) {
    uniform_ = owner;
    if (!per_line_.empty()) DropPerLine();
  }
  bool uniform() const { return per_line_.empty(); }

 private:
  void SetSome(uint64_t first, uint64_t count, Owner owner);
  void DropPerLine();  // frees the per-line array (uniform again)

  uint64_t count_ = 0;
  Owner uniform_ = Owner::kCpu;
  std::vector<Owner> per_line_;  // empty while every line has uniform_
};

// One ownership move: which call, when, by whom, over which device addresses.
struct OwnershipTransition {
  uint64_t seq = 0;
  EventKind kind = EventKind::kNote;
  Symbol device;
  DmaDirection dir = DmaDirection::kNone;
  Owner owner_after = Owner::kCpu;
  DmaRange dma;  // the part of the mapping the call covered (its handle and size if whole)
  SourceLoc where;
  bool whole = false;  // the call covered the whole mapping (map, unmap: every sg segment)

  // "#12 dma_map eth0 TO_DEVICE [0x1000-0x1fff] -> device at file.cc:10"
  std::string ToString() const;
};

// The last few transitions of one mapping, oldest first.
class OwnershipHistory {
 public:
  static constexpr size_t kDepth = 4;
  void Push(const OwnershipTransition& t) { Next() = t; }
  // Pushes a transition built in place (no temporary to copy: every map, sync and unmap
  // records one).
  void Push(uint64_t seq, EventKind kind, Symbol device, DmaDirection dir, Owner owner,
            DmaRange dma, const SourceLoc& where, bool whole) {
    OwnershipTransition& t = Next();
    t.seq = seq;
    t.kind = kind;
    t.device = device;
    t.dir = dir;
    t.owner_after = owner;
    t.dma = dma;
    t.where = where;
    t.whole = whole;
  }
  // Forgets every transition (a reused mapping slot starts empty).
  void Clear() { count_ = 0; }
  size_t size() const { return count_ < kDepth ? count_ : kDepth; }
  // i = 0 is the oldest kept transition.
  const OwnershipTransition& at(size_t i) const;
  // The last one pushed; precondition: size() > 0.
  OwnershipTransition& newest() { return ring_[(count_ + kDepth - 1) % kDepth]; }

 private:
  // The slot the next transition goes to, now counted as pushed.
  OwnershipTransition& Next() { return ring_[count_++ % kDepth]; }

  // count_ first: it then shares a cache line with the mapping's LineOwnership, which every
  // transition has just updated, rather than sitting alone after the ring.
  size_t count_ = 0;  // total pushed
  std::array<OwnershipTransition, kDepth> ring_{};
};

}  // namespace dmakit
