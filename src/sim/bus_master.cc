#include "dmakit/sim/bus_master.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "dmakit/core/event.h"
#include "dmakit/sim/soc.h"

namespace dmakit {

BusMaster::BusMaster(Soc& soc, Symbol name, bool coherent, MasterKind kind)
    : soc_(soc), name_(name), coherent_(coherent), kind_(kind) {}

Status BusMaster::CheckRam(PhysAddr addr, uint64_t size, Access access, DmaAddr bus_addr) const {
  if (soc_.memory().IsRam(PhysRange(addr, size))) return Ok();
  return Error(ErrorCode::kFault,
               fmt::format("bus error: device '{}' {} {} (bus address {}, {} bytes) is not RAM",
                           name_.view(), access == Access::kRead ? "read of" : "write to",
                           ToString(PhysRange(addr, size)), Hex(bus_addr), size));
}

uint64_t BusMaster::Announce(Access access, PhysAddr addr, uint64_t size, DmaAddr bus_addr,
                             uint64_t domain) {
  EventBus& bus = soc_.bus();
  uint64_t seq = bus.next_seq();
  if (kind_ == MasterKind::kWalker) return seq;
  Event e;
  e.kind = EventKind::kDeviceAccess;
  e.device = name_;
  e.access = access;
  e.dma = bus_addr;
  e.domain = domain;
  e.phys = addr;
  e.size = size;
  bus.Emit(e);
  return e.seq;
}

Status BusMaster::Read(PhysAddr addr, std::span<uint8_t> out, DmaAddr bus_addr, uint64_t domain) {
  DMAKIT_TRY(CheckRam(addr, out.size(), Access::kRead, bus_addr));
  Announce(Access::kRead, addr, out.size(), bus_addr, domain);
  if (coherent_) {
    DMAKIT_TRY(soc_.cache().SnoopRead(addr, out));
  } else {
    // DRAM directly, page by page: the cache is not consulted.
    PhysicalMemory& memory = soc_.memory();
    uint64_t done = 0;
    while (done < out.size()) {
      PhysAddr at = addr + done;
      uint64_t offset = at.OffsetIn(kPageSize);
      uint64_t n = std::min<uint64_t>(kPageSize - offset, out.size() - done);
      const uint8_t* page = memory.PageDataIfPresent(at);
      if (page != nullptr) {
        std::memcpy(out.data() + done, page + offset, n);
      } else {
        std::memset(out.data() + done, 0, n);
      }
      done += n;
    }
  }
  soc_.oracle().Check(addr, out, name_);
  bytes_read_ += out.size();
  return Ok();
}

Status BusMaster::Write(PhysAddr addr, std::span<const uint8_t> data, DmaAddr bus_addr,
                        uint64_t domain) {
  DMAKIT_TRY(CheckRam(addr, data.size(), Access::kWrite, bus_addr));
  uint64_t seq = Announce(Access::kWrite, addr, data.size(), bus_addr, domain);
  PhysRange range(addr, data.size());
  if (coherent_) DMAKIT_TRY(soc_.cache().SnoopWrite(range));
  PhysicalMemory& memory = soc_.memory();
  uint64_t done = 0;
  while (done < data.size()) {
    PhysAddr at = addr + done;
    uint64_t offset = at.OffsetIn(kPageSize);
    uint64_t n = std::min<uint64_t>(kPageSize - offset, data.size() - done);
    std::memcpy(memory.PageData(at) + offset, data.data() + done, n);
    done += n;
  }
  soc_.oracle().RecordWrite(addr, data, name_, seq);
  // Behind the cache's back; the adversarial policy picks this moment to write back.
  if (!coherent_ && !data.empty()) soc_.cache().OnDeviceWrite(range);
  bytes_written_ += data.size();
  return Ok();
}

}  // namespace dmakit
