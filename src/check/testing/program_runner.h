// Test-only (linked into the check layer's tests, never the library): runs a random_program.h
// Program on the simulator (Soc with the oracle on, DmaSystem with the program's backend) with
// a Checker subscribed to the bus, and says which corruptions the checker failed to explain.
//
// "The same cache line" (ProgramRun::Unexplained): a corruption names the physical lines whose
// bytes differed. A line is explained when a violation of an earlier event names it, or, for a
// line inside a bounce slot, when a violation names the line of the driver's buffer that the
// slot stood in for (the slot of a live or earlier bounce mapping, found from its kDmaMap
// event: dma is the slot's bus address, which the direct backend makes equal to its physical
// address). The checker never sees slots (events name the driver's buffer), and data moves
// between slot and buffer only at the sync points the checker judges, so a buffer line is the
// only thing it can be asked to name. Nothing else is mapped: no neighbouring line, no other
// buffer, no later violation counts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "check/testing/random_program.h"
#include "dmakit/check/checker.h"
#include "dmakit/core/event_sink.h"

namespace dmakit::testing {

// Keeps the events the soundness check needs: corruptions and bounce map events.
class SoundnessLog final : public EventSink {
 public:
  void OnEvent(const Event& e) override {
    if (e.kind == EventKind::kCorruption) corruptions.push_back(e);
    if (e.kind == EventKind::kDmaMap && !e.failed) maps.push_back(e);
  }
  std::vector<Event> corruptions;
  std::vector<Event> maps;
};

struct ProgramRun {
  Checker checker;
  SoundnessLog log;
  int api_errors = 0;  // calls the DMA API refused or maps that failed
  std::vector<std::string> api_error_messages;

  // Lines of corruptions with no violation on the same line before them (see the file comment).
  std::vector<std::string> Unexplained(bool bounce) const;

 private:
  bool BufferLineExplained(PhysAddr line, uint64_t seq) const;
};

// Runs `p`; `extra` (may be null) is subscribed after the checker (a trace recorder).
std::unique_ptr<ProgramRun> RunProgram(const Program& p, EventSink* extra = nullptr);

}  // namespace dmakit::testing
