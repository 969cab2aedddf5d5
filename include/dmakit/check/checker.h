// Checker: an EventSink that applies every rule of rule.h to the events of a run, live on the
// simulator or offline on a trace (it sees nothing but events, so both give the same verdicts).
//
// State kept: one entry per live DMA mapping/allocation (MappingTable) with the ownership of
// each cache line it covers; the platform (RAM banks, device limits and coherence, from
// kRamBank/kDeviceAdd); IOMMU attachments and translations; lines that may be in the CPU
// cache; page-table lines not yet cleaned for a non-coherent walker; live CPU mappings.
//
// What the checker learns only from events: cache maintenance comes from kCacheMaintenance and
// kPrepareCpuMapping (not inferred from map/sync calls); device coherence from kDeviceAdd (an
// unknown device counts as non-coherent); RAM from kRamBank (with none, DMA001 is off); the
// cache line size from kCpuCache (see CheckerOptions::line_size).
// Events whose producer orders them wrongly (a page freed before its unmap event) are judged
// in the order given.
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include <absl/container/btree_map.h>
#include <absl/container/flat_hash_map.h>

#include "dmakit/check/cpu_alias_table.h"
#include "dmakit/check/iommu_state.h"
#include "dmakit/check/line_set.h"
#include "dmakit/check/mapping_table.h"
#include "dmakit/check/rule.h"
#include "dmakit/check/violation.h"
#include "dmakit/core/event_sink.h"

namespace dmakit {

enum class CheckMode : uint8_t {
  kReport,       // keep every violation and go on (default)
  kStopAtFirst,  // keep the first violation, then ignore every later event (stopped())
  kCountOnly,    // keep no Violation objects, only counts per rule
};

struct CheckerOptions {
  CheckMode mode = CheckMode::kReport;
  // Bytes per cache line, the unit of ownership (a power of two). A caller's value wins over
  // the platform's. 0: the platform's, taken from a kCpuCache event that arrives before the
  // checker tracks any line (no mapping, no cached or written line, no violation yet);
  // kDefaultLineSize until then and when none arrives. A kCpuCache event arriving later, or
  // with a line size that is not a power of two, is ignored.
  uint64_t line_size = 0;
  size_t retired_kept = 64;  // unmapped mappings kept for ownership histories
};

class Checker final : public EventSink {
 public:
  explicit Checker(CheckerOptions options = {});

  void OnEvent(const Event& event) override;
  // Reports mappings whose error was never checked and every mapping still live (leaks).
  void OnEnd() override;

  // Per-rule suppression: a suppressed rule is neither kept nor counted.
  void Suppress(RuleId rule) { suppressed_[static_cast<size_t>(rule)] = true; }
  void Unsuppress(RuleId rule) { suppressed_[static_cast<size_t>(rule)] = false; }
  bool suppressed(RuleId rule) const { return suppressed_[static_cast<size_t>(rule)]; }

  // kStopAtFirst only: a violation was found and later events are ignored.
  bool stopped() const { return stopped_; }
  // Empty in kCountOnly mode.
  const std::vector<Violation>& violations() const { return violations_; }
  uint64_t count(RuleId rule) const { return counts_[static_cast<size_t>(rule)]; }
  uint64_t total() const { return total_; }

  // Line-aligned physical ranges named by violations of events numbered below `seq` (OnEnd
  // reports have seq 0 and are excluded), merged and sorted. Empty in kCountOnly mode.
  std::vector<PhysRange> ViolatedLinesBefore(uint64_t seq) const;
  // Did a violation of an event numbered below `seq` name the line holding `addr`?
  bool HadViolationOnLine(PhysAddr addr, uint64_t seq) const;

  size_t live_mappings() const { return mappings_.size(); }
  // The options in effect: line_size is the line size in use (never 0).
  const CheckerOptions& options() const { return options_; }

 private:
  struct DeviceInfo {
    bool coherent = false;
    uint64_t max_seg_size = 0;
    uint64_t seg_boundary = 0;
    Symbol iommu_node;  // node carrying the IOMMU attachment (empty: the device itself)
  };

  // --- dma_debug_rules.cc ---
  void OnMap(const Event& e);
  void OnAlloc(const Event& e);
  void OnUnmap(const Event& e);
  void OnSync(const Event& e);
  void OnMappingError(const Event& e);
  void OnDeviceRelease(const Event& e);
  void CheckMapPlacement(const Event& e, const Mapping& m);
  void CheckOverlap(const Event& e, const Mapping& m);
  // DMA107 for a DMA API call; true when reported. Inline: no driver-managed domain exists on
  // most platforms, and every map, sync and unmap asks.
  bool CheckUnmanaged(const Event& e) {
    return e.api != MapApi::kDomain && iommu_.has_unmanaged() && ReportUnmanaged(e);
  }
  bool ReportUnmanaged(const Event& e);
  // DMA011 when `e` uses m's handle before any mapping_error check (inline: every sync and
  // unmap asks, and the answer is almost always "checked").
  void CheckErrorChecked(const Event& e, Mapping& m) {
    if (m.needs_error_check && !m.error_checked && !m.error_reported) ReportErrorUnchecked(e, m);
  }
  void ReportErrorUnchecked(const Event& e, Mapping& m);
  // DMA014-DMA016 for a sync of `m` found wrong by SyncDirectionWrong.
  void ReportSyncDirection(const Event& e, const Mapping& m, DmaAddr dma, uint64_t size);
  Mapping* SyncSegment(const Event& e, DmaAddr dma, uint64_t size, PhysRange phys);
  Mapping* MatchExact(const Event& e);
  // --- access_rules.cc ---
  void OnCpuAccess(const Event& e);
  void OnDeviceAccess(const Event& e);
  void OnPageFree(const Event& e);
  // DMA102/DMA103 decisions for a device access: by the device's own mapping that contains
  // the bus address (false when none contains the whole access), else by physical memory.
  bool JudgeByOwnMapping(const Event& e, bool write, std::vector<PhysRange>& cpu_owned,
                         std::vector<PhysRange>& to_device, Mapping** cpu_mapping,
                         Mapping** ro_mapping);
  void JudgeByPhys(PhysRange range, bool write, std::vector<PhysRange>& unmapped,
                   std::vector<PhysRange>& cpu_owned, std::vector<PhysRange>& to_device,
                   Mapping** cpu_mapping, Mapping** ro_mapping);
  // --- cpu_memory_rules.cc ---
  void OnCpuMap(const Event& e);
  void OnCacheMaintenance(const Event& e);
  // --- iommu_rules.cc ---
  void OnIommuMap(const Event& e);
  void OnIommuUnmap(const Event& e);
  void OnIotlbStaleHit(const Event& e);
  void OnPageTableWalk(const Event& e);
  void CheckStaleTranslation(const Event& e);
  // Reports IOTLB stale hits that no device access consumed (the access faulted on a later
  // page, or the trace holds the hit alone): one DMA108 per device.
  void FlushStaleHits();

  // --- checker.cc: dispatch ---
  void Dispatch(const Event& e);
  // Reports the pending IOTLB stale hits, then dispatches `e` (unless that stopped the run).
  void FlushThenDispatch(const Event& e);
  // Events that update the checker's state and decide no rule (platform, IOMMU attachment,
  // invalidations, page-table writes, CPU unmaps).
  void OnBookkeeping(const Event& e);

  // --- checker.cc: platform ---
  // Adopts the announced line size when CheckerOptions::line_size allows it (see there).
  void OnCpuCache(const Event& e);

  // --- checker.cc: shared helpers ---
  bool Enabled(RuleId rule) const { return !suppressed(rule) && !stopped_; }
  // A violation about event `e` and (optionally) mapping `m`, with lines set to m's lines.
  // Make and Report are cold: violations are rare, so the compiler moves the code that builds
  // them out of the handlers' hot paths (OnUnmap's hot body: 3,058 -> 1,507 bytes).
  [[gnu::cold]] Violation Make(RuleId rule, const Event& e, const Mapping* m,
                               std::string message) const;
  [[gnu::cold]] void Report(Violation v);
  // The announced device (nullptr: none). The last answer is cached: a mapping's calls name
  // one device.
  const DeviceInfo* Device(Symbol device) const {
    if (device_cached_ && device == cached_device_) return cached_info_;
    return LookUpDevice(device);
  }
  const DeviceInfo* LookUpDevice(Symbol device) const;
  bool IsCoherent(Symbol device) const;
  // Moves ownership of m's lines covered by device range `dma` and records the transition.
  void Transition(Mapping& m, const Event& e, DmaRange dma, Owner owner);
  // The same over every piece of m (an sg mapping's segments need not be contiguous).
  void TransitionAll(Mapping& m, const Event& e, Owner owner);
  // Transition's ownership move and its DMA113 check, without the history record.
  void MoveLines(Mapping& m, const Event& e, DmaRange dma, Owner owner);
  // MoveLines while some CPU writes are tracked (DMA113): they are dropped or reported.
  void MoveWrittenLines(Mapping& m, const Event& e, DmaRange dma, Owner owner);
  // Sets the lines of piece `p` under device range `dma` to `owner`; returns them
  // (line-aligned; empty when `dma` misses the piece).
  PhysRange SetLines(Mapping& m, const MappingPiece& p, DmaRange dma, Owner owner);
  // Line-aligned physical ranges of m's lines (for Violation::lines).
  std::vector<PhysRange> LinesOf(const Mapping& m) const;
  std::vector<OwnershipTransition> HistoryOf(PhysAddr line);
  void Retire(uint32_t id);

  // kIotlbStaleHit events of the device access in progress: the simulator emits one per
  // page translated by a stale entry, then kDeviceAccess per physically contiguous run; DMA108
  // is reported once, on the access, with the lines the stale pages carried.
  struct StaleHit {
    uint64_t seq = 0;
    Symbol device;
    uint64_t domain = 0;
    uint64_t iova = 0;
    uint64_t phys = 0;
    uint64_t size = 0;  // 0 from the simulator (one hit per page)
    Access access = Access::kRead;
  };

  CheckerOptions options_;
  bool line_size_from_platform_;  // the caller left line_size 0
  // What every event and every rule asks first, kept together at the front.
  bool stopped_ = false;
  std::array<bool, kRuleCount> suppressed_{};
  std::vector<StaleHit> stale_hits_;
  MappingTable mappings_;
  // Slot ids of the last retired_kept unmapped mappings (retired in mappings_, released when
  // they leave), a ring; retired_next_ is the entry the next one goes to.
  std::vector<uint32_t> retired_;
  size_t retired_next_ = 0;
  absl::flat_hash_map<Symbol, DeviceInfo, std::hash<Symbol>> devices_;
  // Device()'s last answer; cleared when devices_ changes (an insert may move its entries).
  mutable Symbol cached_device_;
  mutable const DeviceInfo* cached_info_ = nullptr;
  mutable bool device_cached_ = false;
  absl::btree_map<uint64_t, uint64_t> ram_;  // begin -> end
  // The RAM bank [first, second) CheckMapPlacement last found (empty: none); cleared when a
  // bank is announced.
  std::pair<uint64_t, uint64_t> ram_hit_{0, 0};
  IommuState iommu_;
  LineSet maybe_cached_;
  LineSet pt_dirty_;
  Symbol noncoherent_{"noncoherent"};  // kPageTableWrite's text for such a walker
  // Lines of live device-writable mappings the CPU wrote while it owned them, not yet handed
  // back to the device nor cleaned (DMA113).
  LineSet cpu_written_;
  CpuAliasTable cpu_aliases_;

  std::array<uint64_t, kRuleCount> counts_{};
  uint64_t total_ = 0;
  std::vector<Violation> violations_;
};

}  // namespace dmakit
