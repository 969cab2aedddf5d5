// BusMaster: a device's port onto the memory bus, at physical addresses.
//
// A non-coherent master reads and writes DRAM and never sees the CPU cache: it reads stale
// memory under dirty lines, and its writes can be overwritten by a later eviction. A coherent
// master snoops: its reads see dirty cached data, its writes invalidate cached copies.
// Address translation (IOMMU) happens before this layer; `bus_addr` is what the device put
// on the bus, kept for events.
//
// Every access is checked by the oracle (reads, as the master's name) or recorded in it
// (writes, with the seq of the access's event), and emits a kDeviceAccess event before the
// data moves; a page-table walker (kind kWalker) emits none (the IOMMU reports its walks
// itself) but is checked and recorded the same way.
//
// Modelled: non-coherent DRAM access (after a write the cache's OnDeviceWrite hook runs, so
// the adversarial policy can clobber the data), snooping for coherent masters.
// Not modelled: bus timing, ordering between masters, partial transfers.
#pragma once

#include <span>
#include <string_view>

#include "dmakit/core/addr.h"
#include "dmakit/core/event.h"
#include "dmakit/core/result.h"
#include "dmakit/core/symbol.h"

namespace dmakit {

class Soc;

enum class MasterKind : uint8_t { kDevice, kWalker };

class BusMaster {
 public:
  BusMaster(Soc& soc, Symbol name, bool coherent, MasterKind kind);
  BusMaster(const BusMaster&) = delete;
  BusMaster& operator=(const BusMaster&) = delete;

  Symbol name() const { return name_; }
  bool coherent() const { return coherent_; }
  void set_coherent(bool coherent) { coherent_ = coherent; }
  MasterKind kind() const { return kind_; }

  // DMA read/write of physical memory. `bus_addr` is the address the device used and `domain`
  // the IOMMU domain that translated it (0: none); both go into the kDeviceAccess event.
  // Errors: kFault naming the device and the address when any byte is outside RAM (a bus
  // error; nothing is transferred, no event is emitted).
  Status Read(PhysAddr addr, std::span<uint8_t> out, DmaAddr bus_addr, uint64_t domain = 0);
  Status Write(PhysAddr addr, std::span<const uint8_t> data, DmaAddr bus_addr, uint64_t domain = 0);
  // Without an IOMMU the bus address is the physical address.
  Status Read(PhysAddr addr, std::span<uint8_t> out) {
    return Read(addr, out, DmaAddr(addr.value()));
  }
  Status Write(PhysAddr addr, std::span<const uint8_t> data) {
    return Write(addr, data, DmaAddr(addr.value()));
  }

  uint64_t bytes_read() const { return bytes_read_; }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  Status CheckRam(PhysAddr addr, uint64_t size, Access access, DmaAddr bus_addr) const;
  // Emits the kDeviceAccess event (not for walkers); returns the seq the access is known by.
  uint64_t Announce(Access access, PhysAddr addr, uint64_t size, DmaAddr bus_addr, uint64_t domain);

  Soc& soc_;
  Symbol name_;
  bool coherent_;
  MasterKind kind_;
  uint64_t bytes_read_ = 0;
  uint64_t bytes_written_ = 0;
};

}  // namespace dmakit
