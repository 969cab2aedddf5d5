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
//
// Cost: RecordWrite is a memcpy plus one store per cache line; Check is a page-wise memcmp
// when nothing differs and only walks lines of pages that do differ.
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
  // The ideal memory has the same banks as the real one. `bus` receives Corruption events
  // (may be null: differences are then only counted). `line_size` is a power of two that
  // divides the page size.
  Oracle(const PhysicalMemory& layout, uint32_t line_size, EventBus* bus, bool enabled = true);

  bool enabled() const { return enabled_; }
  void set_enabled(bool enabled) { enabled_ = enabled; }
  uint32_t line_size() const { return line_size_; }

  // A logical write of `data` at `addr` by `writer`, as event `seq` (the bus's next sequence
  // number when the write has no event of its own). No-op when disabled. Precondition
  // (checked): every byte is RAM.
  void RecordWrite(PhysAddr addr, std::span<const uint8_t> data, Symbol writer, uint64_t seq);

  // Compares bytes `reader` observed at `addr` with the ideal memory. Emits one kCorruption
  // event per run of consecutive differing cache lines with the same last write (writer and
  // seq): phys/size cover the differing bytes of the run, expected/observed hold up to 64
  // bytes from the first difference (never past the run nor the checked range). Returns the
  // number of differing bytes; 0 when disabled. Precondition (checked): every byte is RAM.
  uint64_t Check(PhysAddr addr, std::span<const uint8_t> observed, Symbol reader);

  // The ideal content (tests, reports). Errors: kOutOfRange outside RAM.
  Status ReadIdeal(PhysAddr addr, std::span<uint8_t> out) const;

  struct LineWriter {
    Symbol writer;     // empty: never written since power-on (memory reads as zeros)
    uint64_t seq = 0;  // sequence number of the write
    bool operator==(const LineWriter&) const = default;
  };
  // The last logical writer of the line holding `addr`.
  LineWriter LastWriter(PhysAddr addr) const;

  uint64_t corruption_events() const { return corruption_events_; }
  uint64_t corrupted_bytes() const { return corrupted_bytes_; }

 private:
  struct Run;
  void CheckPage(PhysAddr page_addr, const uint8_t* ideal, const uint8_t* seen, uint64_t len,
                 std::span<const uint8_t> observed, uint64_t seen_offset, Symbol reader, Run& run,
                 uint64_t& differing);
  void Flush(Run& run, Symbol reader);

  PhysicalMemory ideal_;
  uint32_t line_size_;
  EventBus* bus_;
  bool enabled_;
  // Per materialised page (by frame number): the last writer of each line.
  std::unordered_map<uint64_t, std::unique_ptr<LineWriter[]>> writers_;
  uint64_t corruption_events_ = 0;
  uint64_t corrupted_bytes_ = 0;
};

}  // namespace dmakit
