// DmaSystem: the DMA-mapping subsystem of one simulated SoC.
//
// It knows the platform (Soc, Topology, IOMMUs, the bounce pool) and hands drivers a
// DmaDevice per device. Which backend serves a device is decided here, from the topology,
// and is never visible to drivers (the seed: "get_dma_ops isn't really for driver use"):
//   - the device's DMA node (Topology::DmaNodeFor) carries an IOMMU attachment: the device is
//     registered with that Iommu and attached to a kDma default domain (IOVA from the domain's
//     allocator, page-table map, IOTLB invalidation by the Iommu's flush policy on unmap);
//   - otherwise direct: dma address == physical address; a buffer above the DMA mask goes
//     through the bounce pool, or the map fails with a clear error when there is none;
//   - `force_bounce` (swiotlb=force) bounces every streaming mapping of direct devices.
//
// Emits the platform description (kRamBank, kDeviceAdd) through Announce(), then one event
// per API call. Not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dmakit/core/result.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/soc.h"

namespace dmakit {

class DmaDevice;
class BouncePool;

struct BouncePoolConfig {
  uint64_t size = 0;            // bytes; 0 = no bounce pool
  uint64_t slot_size = 2048;    // bytes per slot (Linux's IO_TLB_SIZE)
  uint64_t below = 1ull << 32;  // the pool lies entirely below this physical address
  bool force_bounce = false;    // bounce every direct streaming mapping (swiotlb=force)
};

struct DmaSystemConfig {
  BouncePoolConfig bounce;
};

enum class DmaBackendKind : uint8_t { kDirect, kIommu, kBounce };
std::string_view ToString(DmaBackendKind kind);

class DmaSystem {
 public:
  // `soc` and `topology` must outlive the system. Errors: kInvalidArgument (slot size not a
  // power of two >= 64, pool size not a multiple of the slot size), kExhausted (no contiguous
  // RAM below `below` for the pool).
  static Result<std::unique_ptr<DmaSystem>> Create(Soc& soc, const Topology& topology,
                                                   DmaSystemConfig config = {});
  ~DmaSystem();

  // Makes an Iommu known by its name (IommuAttachment::iommu). Not owned. Errors:
  // kAlreadyExists (a different Iommu with that name).
  Status AddIommu(Iommu& iommu);

  // Emits kRamBank per RAM bank and kDeviceAdd per topology node (call once sinks are
  // subscribed).
  void Announce();

  // The DMA view of `device`: resolves the DMA node through the topology (so a driver may
  // name the GPU node whether the IOMMU sits on it or on a sub-device), creates its bus master
  // and, behind an IOMMU, registers it and attaches a default kDma domain. Calling it again
  // returns the same DmaDevice. Errors: kNotFound (unknown node, unknown Iommu named by an
  // attachment), kFailedPrecondition (ambiguous topology), and Iommu errors.
  Result<DmaDevice*> Probe(std::string_view device);
  // Like Probe, but for a driver that will manage the device's IOMMU domain itself
  // (DomainMapper): registers the device with its Iommu without attaching a DMA-API domain.
  // The device still has a DmaDevice (its DMA API calls are then the seed's bug, which the
  // checker reports; the calls themselves are refused with kFailedPrecondition when the group
  // is driver-owned). Errors: as Probe, and kFailedPrecondition when there is no IOMMU.
  Result<DmaDevice*> ProbeUnmanaged(std::string_view device);

  Soc& soc() { return soc_; }
  const Topology& topology() const { return topology_; }
  BouncePool* bounce_pool() { return bounce_.get(); }
  Iommu* FindIommu(std::string_view name);

 private:
  DmaSystem(Soc& soc, const Topology& topology, DmaSystemConfig config);
  Result<DmaDevice*> ProbeImpl(std::string_view device, bool unmanaged);

  Soc& soc_;
  const Topology& topology_;
  DmaSystemConfig config_;
  std::unique_ptr<BouncePool> bounce_;
  std::map<std::string, Iommu*, std::less<>> iommus_;
  std::map<std::string, std::unique_ptr<DmaDevice>, std::less<>> devices_;
};

}  // namespace dmakit
