// dmakit's own event trace, writing side: one JSON object per line per Event (JSON Lines).
//
// Format (version kJsonlFormatVersion):
//   line 1: {"dmakit_trace":1}
//   then one object per event. "seq" and "kind" are always written; every other field of
//   Event is written only when it differs from its default, so lines stay short, and the
//   reader restores the default for an absent key. Encodings:
//     addresses (dma, phys, cpu, dma_mask, seg_boundary, sg's phys/dma): "0x..." hex strings
//       (JSON numbers above 2^53 are lossy in many tools);
//     counts and sizes (line_size, ways too): JSON unsigned integers; attrs, prot: their
//       bits as integers;
//     enums: their stable names (kind "dma_map", api "page", dir "TO_DEVICE",
//       mem_attr "write-combine", access "write", cache_op "clean_invalidate");
//     expected/observed: lowercase hex byte strings ("deadbeef");
//     sg: an array of {"phys","len","dma","dma_len"} objects (defaults omitted too);
//     where: {"file","line","col","func"} (defaults omitted).
// Writing then reading gives events that compare equal (Event::operator==) to the originals.
//
// The platform comes first in a run's trace: "cpu_cache" (size, line_size, ways, text = the
// eviction policy), "ram_bank" per bank, "device_add" per device node. A checker reading the
// trace takes its cache line size from "cpu_cache"; traces written before that kind existed
// (still version 1) have none, and are checked with 64-byte lines (kDefaultLineSize). A reader
// older than "cpu_cache" reports that one line as malformed (unknown kind) and reads on.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "dmakit/core/event.h"
#include "dmakit/core/event_sink.h"
#include "dmakit/core/result.h"

namespace dmakit {

inline constexpr int kJsonlFormatVersion = 1;

// The header line, without the newline.
std::string JsonlHeaderLine();

// Appends `event` as one JSON object to `out`, without the newline.
void AppendJsonlEvent(const Event& event, std::string* out);

// A recorder sink: writes the header, then every event it receives, to `out`. Output is
// buffered and flushed every 64 KiB, on OnEnd() and on destruction. `out` must outlive the
// recorder. The stream's failure does not stop the run; status() reports it.
class JsonlRecorder final : public EventSink {
 public:
  explicit JsonlRecorder(std::ostream& out);
  ~JsonlRecorder() override;
  JsonlRecorder(const JsonlRecorder&) = delete;
  JsonlRecorder& operator=(const JsonlRecorder&) = delete;

  void OnEvent(const Event& event) override;
  void OnEnd() override;

  uint64_t events_written() const { return events_written_; }
  // kIo if the stream failed at any point, else ok.
  Status status() const;

 private:
  void Flush();

  std::ostream& out_;
  std::string buffer_;
  uint64_t events_written_ = 0;
  bool failed_ = false;
};

}  // namespace dmakit
