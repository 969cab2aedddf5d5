// Internal: turns one ftrace event (name + field text) into an Event. The table of known
// events and the dma decoders live in ftrace_dma_events.cc, the iommu ones in
// ftrace_iommu_events.cc. A decoder is reused across lines so that its scratch arrays, its
// device-name cache and the Event's sg vector keep their capacity (no per-line allocation
// beyond the Event's own arrays).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dmakit/core/event.h"
#include "trace/ftrace_fields.h"

namespace dmakit::trace_internal {

class FtraceDecoder {
 public:
  enum class Outcome { kEvent, kUnknown, kMalformed };

  explicit FtraceDecoder(size_t max_array_length) : max_array_(max_array_length) {}

  // Fills `out` (every field reset first). On kMalformed, error() says why.
  Outcome Decode(std::string_view name, std::string_view fields, Event& out);
  const std::string& error() const { return error_; }

  // Decoders, one per tracepoint class. Each returns false after calling Fail().
  bool MapSingle(Event& e, MapApi api);
  bool UnmapSingle(Event& e, MapApi api);
  bool MapSg(Event& e);
  bool MapSgError(Event& e);
  bool UnmapSg(Event& e);
  bool SyncSingle(Event& e);
  bool SyncSg(Event& e);
  bool Alloc(Event& e, MapApi api);
  bool AllocSgt(Event& e, bool failed);
  bool Free(Event& e, MapApi api);
  bool FreeSgt(Event& e);
  bool IommuMap(Event& e);
  bool IommuUnmap(Event& e);
  bool IommuDevice(Event& e);
  bool IommuGroup(Event& e, std::string_view name);
  bool IommuFault(Event& e);

 private:
  bool Fail(std::string message);
  // The first positional field: the device name every dma event starts with.
  bool Device(Event& e);
  Symbol Intern(std::string_view name);
  bool Hex(FieldKey key, uint64_t* out, bool required = true);
  bool Number(FieldKey key, uint64_t* out, bool required = true);
  bool Dir(Event& e, bool required = true);
  // Sets e.attrs; *mmio tells whether Linux's MMIO attribute was present.
  bool Attrs(Event& e, bool* mmio = nullptr);
  bool Array(FieldKey key, bool hex, std::vector<uint64_t>* out);
  // Builds e.sg from the scratch arrays (phys may be empty, or dma and lengths).
  void BuildSg(Event& e);

  size_t max_array_;
  FtraceFields fields_;
  std::string error_;
  std::vector<uint64_t> phys_, dma_, lengths_;
  struct ViewHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Symbol, ViewHash, std::equal_to<>> devices_;
  // The last few distinct devices, checked before devices_ (a trace names few devices, and
  // comparing a short name beats hashing it). A Symbol's text lives as long as the program.
  static constexpr size_t kRecentDevices = 8;
  std::array<Symbol, kRecentDevices> recent_devices_;
  size_t recent_next_ = 0;  // the slot the next new device replaces
  // Successful dma_map_sg calls not yet unmapped: Linux's dma_unmap_sg tracepoint records
  // only the list's physical addresses, so an unmap takes its device addresses, lengths and
  // mapped count from the newest live map of the same device and pages. A ring of the last
  // kMaxLiveSg maps (a trace that never unmaps cannot grow it; slots and their arrays are
  // reused), indexed by (device, first page) in a fixed table of bucket chains (no allocation
  // per map; a chain lists its live maps newest first, since maps are linked at its head).
  struct LiveSg {
    Symbol device;  // empty: the slot's map was unmapped (or the slot never used)
    std::vector<uint64_t> phys, dma, lengths;
    uint32_t mapped_nents = 0;
    int32_t next = -1;    // the next older live map in the same bucket, or -1
    uint32_t bucket = 0;  // the bucket this live map is linked into
  };
  static constexpr size_t kMaxLiveSg = 4096;
  static constexpr unsigned kSgBucketBits = 13;  // 8192 buckets: chains stay short
  std::vector<LiveSg> live_sg_;                  // ring, slot = order % kMaxLiveSg
  std::vector<int32_t> sg_buckets_;              // bucket -> slot of its newest live map, or -1
  uint64_t sg_order_ = 0;
  static uint32_t SgBucket(Symbol device, uint64_t first_phys);
  void RememberSg(const Event& e);
  // Unlinks the live map in `slot` from its bucket chain (`prev`: the slot before it in the
  // chain, or -1 when it is the head) and marks the slot free.
  void UnlinkSg(int32_t slot, int32_t prev);
  // Unlinks the live map in `slot`, finding its predecessor first.
  void UnindexSg(uint32_t slot);
  // Fills dma_ and lengths_ and e.mapped_nents from the newest live map of e.device whose
  // pages are phys_, and forgets it; leaves them empty when there is none.
  void TakeLiveSg(Event& e);
  Symbol last_device_;
};

}  // namespace dmakit::trace_internal
