// Oracle: the ground truth of the simulated machine.
//
// It keeps an ideal, sequentially consistent copy of memory: every logical write (a CPU store
// through any mapping, at the moment of the store; a device DMA write; a page-table update)
// is applied to it in simulation order, with the writer and the event sequence number
// recorded per cache line. Every read of the non-coherent machinery (CPU load, device DMA
// read, page-table walk) hands the bytes it actually got to Check(); bytes that differ from
// the ideal copy are a Corruption event naming the reader, the expected and observed bytes,
// and the last logical writer of the line.
//
// Cache write-backs, WC-buffer drains and bounce-pool internals are not logical writes: they
// are the machinery whose mistakes the oracle exists to catch.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>

#include "dmakit/core/addr.h"
#include "dmakit/core/event_sink.h"
#include "dmakit/core/symbol.h"
#include "dmakit/sim/physical_memory.h"

namespace dmakit {

class Oracle {
 public:
  // The ideal memory has the same banks as the real one. `bus` receives Corruption events.
  Oracle(const PhysicalMemory& layout, uint32_t line_size, EventBus* bus, bool enabled = true);

  bool enabled() const { return enabled_; }
  void set_enabled(bool enabled) { enabled_ = enabled; }

  // A logical write of `data` at `addr` by `writer`, as event `seq` (the bus's next sequence
  // number when the write has no event of its own). No-op when disabled. Precondition: RAM.
  void RecordWrite(PhysAddr addr, std::span<const uint8_t> data, Symbol writer, uint64_t seq);

  // Compares bytes `reader` observed at `addr` with the ideal memory. Emits one kCorruption
  // event per run of consecutive differing cache lines with the same last writer (phys/size
  // cover the differing bytes, expected/observed hold up to 64 bytes from the first
  // difference). Returns the number of differing bytes; 0 when disabled.
  uint64_t Check(PhysAddr addr, std::span<const uint8_t> observed, Symbol reader);

  // The ideal content (tests, reports).
  Status ReadIdeal(PhysAddr addr, std::span<uint8_t> out) const;

  uint64_t corruption_events() const { return corruption_events_; }
  uint64_t corrupted_bytes() const { return corrupted_bytes_; }

 private:
  struct LineWriter {
    Symbol writer;
    uint64_t seq = 0;
  };
  LineWriter LastWriter(PhysAddr line) const;

  PhysicalMemory ideal_;
  uint32_t line_size_;
  EventBus* bus_;
  bool enabled_;
  // Per materialised page: the last writer of each line.
  std::unordered_map<uint64_t, std::unique_ptr<LineWriter[]>> writers_;
  uint64_t corruption_events_ = 0;
  uint64_t corrupted_bytes_ = 0;
};

}  // namespace dmakit
