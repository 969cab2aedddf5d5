// Iommu: one IOMMU (an SMMU-like unit) of the simulated SoC.
//
// Devices are registered with a stream ID and belong to a group; a group is attached to one
// domain. A device's DMA (DeviceRead / DeviceWrite) is translated page by page: IOTLB lookup
// tagged by (domain, page); on a miss the walker (a BusMaster of kind kWalker, coherent when
// `coherent_walk`) reads the domain's page table from simulated memory, one kPageTableWalk
// event per walk; then permissions are checked (a write through a read-only descriptor is a
// permission fault). Only when every page translates is the data moved, by the device's
// BusMaster, one call per physically contiguous run, with the IOVA as bus address.
//
// Faults (translation, permission, access flag, no domain/blocked) become a FaultRecord, a
// kIommuFault event (device, domain, dma, access, text = fault type), a call of the domain's
// fault handler, and a kFault error; no data moves then.
//
// IOTLB invalidation commands (all / domain / IOVA range) emit kIotlbInvalidate. Unmap
// policy: kStrict invalidates the range on every unmap; kLazy queues the invalidation and
// flushes the queue (one domain-wide invalidation per domain in it) when it holds
// `flush_queue_size` entries, on FlushQueue(), or on TimerTick(). Until then the IOTLB may
// still translate unmapped IOVAs: every access through an entry whose page-table mapping is
// gone (or now points elsewhere) emits kIotlbStaleHit and is counted, and still goes through,
// as on hardware.
//
// Not modelled: command-queue timing, ATS/PRI, stage 2, MSI, per-stream substreams (PASID).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/event.h"
#include "dmakit/core/result.h"
#include "dmakit/iommu/domain.h"
#include "dmakit/iommu/group.h"
#include "dmakit/sim/soc.h"

namespace dmakit {

class Iotlb;

enum class FlushPolicy : uint8_t { kStrict, kLazy };
std::string_view ToString(FlushPolicy policy);

struct IommuConfig {
  std::string name = "smmu0";   // names the walker bus master ("<name>-walker")
  uint32_t iotlb_entries = 64;  // IOTLB capacity in 4 KiB entries, >= 1
  bool coherent_walk = true;    // the walker snoops the CPU cache
  bool skip_pte_clean = false;  // bug knob: page-table writes are not cleaned
  FlushPolicy policy = FlushPolicy::kStrict;
  uint32_t flush_queue_size = 64;  // kLazy: queued unmaps that trigger a flush, >= 1
  DmaRange dma_aperture{DmaAddr(1ull << 20), (1ull << 40) - (1ull << 20)};  // kDma IOVA space
};

enum class FaultType : uint8_t { kTranslation, kPermission, kAccessFlag, kBlocked, kBus };
// "translation", "permission", "access_flag", "blocked", "bus" (kIommuFault text).
std::string_view ToString(FaultType type);

struct FaultRecord {
  Symbol device;
  uint32_t stream_id = 0;
  uint64_t domain = 0;  // 0 when no domain is attached
  DmaAddr iova;
  Access access = Access::kRead;
  FaultType type = FaultType::kTranslation;
};

struct IommuCounters {
  uint64_t iotlb_hits = 0;
  uint64_t iotlb_misses = 0;
  uint64_t walks = 0;
  uint64_t invalidations = 0;  // invalidation commands executed
  uint64_t invalidated_entries = 0;
  uint64_t stale_hits = 0;
  uint64_t faults = 0;
  uint64_t flushes = 0;  // lazy flush-queue flushes
};

class Iommu {
 public:
  // Errors: kInvalidArgument naming the parameter (iotlb_entries or flush_queue_size 0,
  // empty name, aperture empty or not page-aligned).
  static Result<std::unique_ptr<Iommu>> Create(Soc& soc, IommuConfig config);
  // Precondition: every domain allocated from it was destroyed first.
  ~Iommu();
  Iommu(const Iommu&) = delete;
  Iommu& operator=(const Iommu&) = delete;

  const IommuConfig& config() const { return config_; }
  Soc& soc() { return soc_; }
  Symbol name() const { return name_; }

  // --- Devices and groups ---
  // Registers the device behind `master` with `stream_id`, in a new group, or in the group of
  // the already registered device `group_with`. Errors: kAlreadyExists (the device or the
  // stream ID is registered), kNotFound (`group_with` is not registered).
  Result<IommuGroup*> AddDevice(BusMaster& master, uint32_t stream_id, Symbol group_with = {});
  // nullptr when the device is not registered.
  IommuGroup* GroupOf(Symbol device);
  bool HasDevice(Symbol device) const { return devices_.count(device) != 0; }

  // --- Domains ---
  // Errors: kExhausted (no page for a root table), kInvalidArgument (the aperture of a kDma
  // domain, from the config, is rejected by the IovaAllocator).
  Result<std::unique_ptr<IommuDomain>> AllocDomain(DomainType type);
  // Attaches every device of the group (kIommuAttach per device, text = domain type), after
  // detaching it from its current domain. Errors: kFailedPrecondition (the domain belongs to
  // another Iommu; the group is owned by the other kind of user, see group.h).
  Status AttachGroup(IommuGroup& group, IommuDomain& domain);
  // The device's group, which must hold only this device. Errors: kNotFound (unknown device),
  // kFailedPrecondition (a group of several devices: attach the group), and AttachGroup's.
  Status AttachDevice(Symbol device, IommuDomain& domain);
  // kIommuDetach per device; the group has no domain and no owner afterwards. Errors:
  // kFailedPrecondition (not attached).
  Status DetachGroup(IommuGroup& group);

  // --- Device DMA ---
  // Errors: kNotFound (device not registered), kFault (a fault, see above; or a bus error of
  // the master). A zero-length access translates nothing and succeeds.
  Status DeviceRead(Symbol device, DmaAddr iova, std::span<uint8_t> out);
  Status DeviceWrite(Symbol device, DmaAddr iova, std::span<const uint8_t> data);

  // --- Invalidation ---
  void InvalidateAll();
  void InvalidateDomain(uint64_t domain);
  void InvalidateRange(uint64_t domain, DmaRange range);
  // Lazy policy: flush the queue now / as the periodic timer would. No-ops when empty.
  void FlushQueue();
  void TimerTick() { FlushQueue(); }
  size_t queued_invalidations() const { return queue_.size(); }

  const std::vector<FaultRecord>& faults() const { return faults_; }
  const IommuCounters& counters() const { return counters_; }
  uint32_t iotlb_size() const;

 private:
  friend class IommuDomain;
  struct Device {
    BusMaster* master = nullptr;
    uint32_t stream_id = 0;
    IommuGroup* group = nullptr;
  };
  struct Queued {
    uint64_t domain = 0;
    DmaRange range;
    std::function<void()> release;
  };
  // A physically contiguous piece of a device access.
  struct Run {
    PhysAddr phys;
    uint64_t offset = 0;
    uint64_t size = 0;
  };

  Iommu(Soc& soc, IommuConfig config);
  // Called by IommuDomain.
  // A strict unmap's invalidation carries `where`, the unmap's call site.
  void OnUnmap(IommuDomain& domain, DmaRange range, std::function<void()> release, SourceLoc where);
  void OnDomainDestroyed(IommuDomain& domain);

  // The physical runs of a device access; `*master` gets the device's bus master and
  // `*domain_id` the id of the domain that translated it.
  Result<std::vector<Run>> Translate(Symbol device, DmaAddr iova, uint64_t size, Access access,
                                     BusMaster** master, uint64_t* domain_id);
  // Translates one page (IOTLB, else walk); on a fault records it and returns the error.
  Result<PhysAddr> TranslatePage(const Device& dev, Symbol name, IommuDomain& domain, DmaAddr iova,
                                 Access access);
  Error Fault(const Device& dev, Symbol name, IommuDomain* domain, DmaAddr iova, Access access,
              FaultType type);
  void EmitInvalidate(uint64_t domain, DmaAddr dma, uint64_t size, SourceLoc where = {});
  void EmitAttach(EventKind kind, Symbol device, const IommuDomain& domain);

  Soc& soc_;
  IommuConfig config_;
  Symbol name_;
  BusMaster* walker_;
  std::unique_ptr<Iotlb> iotlb_;
  std::unordered_map<Symbol, Device> devices_;
  std::unordered_map<uint32_t, Symbol> streams_;
  std::vector<std::unique_ptr<IommuGroup>> groups_;
  std::unordered_map<uint64_t, IommuDomain*> domains_;
  std::vector<Queued> queue_;
  std::vector<FaultRecord> faults_;
  IommuCounters counters_;
};

}  // namespace dmakit
