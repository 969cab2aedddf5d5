// EventLoss: a gap in an event stream. A kernel trace can lose events (a per-CPU ring buffer
// that overflowed, or was overwritten before it was read); whatever the checker concludes from
// the absence of an event after such a gap may be an artefact of the gap.
#pragma once

#include <cstdint>

namespace dmakit {

struct EventLoss {
  // The lost events happened after the event with sequence number since_seq and before the
  // one after after_seq (0: before the first event). In a trace merged from several CPUs'
  // buffers the two differ: a CPU's gap is reported just before that CPU's next event, but
  // its lost events may be older than the other CPUs' events since its previous one.
  uint64_t since_seq = 0;
  uint64_t after_seq = 0;
  // Events lost, 0 when the producer did not say how many (trace-cmd's "[EVENTS DROPPED]").
  uint64_t count = 0;
  // The trace line that reported the gap (1-based; 0 when it did not come from a line).
  uint32_t line = 0;

  bool operator==(const EventLoss&) const = default;
};

}  // namespace dmakit
