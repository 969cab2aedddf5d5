#include "dmakit/sim/soc.h"

#include <fmt/format.h>

#include <algorithm>

#include "dmakit/core/event.h"
#include "dmakit/core/rng.h"

namespace dmakit {

// Gathers one physically contiguous run of write-combined stores.
struct Soc::WcBuffer {
  PhysAddr base;
  std::vector<uint8_t> bytes;
};

namespace {

Status ValidateWcBuffer(uint32_t bytes) {
  if (bytes < 8 || bytes > kPageSize || (bytes & (bytes - 1)) != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("wc_buffer_bytes: {} is not a power of two between 8 and {}", bytes,
                             kPageSize));
  }
  return Ok();
}

bool InLinearMap(CpuAddr addr) {
  return addr.value() >= Soc::kLinearMapBase && addr.value() < Soc::kVmallocBase;
}

}  // namespace

Result<std::unique_ptr<Soc>> Soc::Create(const SocConfig& config) {
  auto memory = PhysicalMemory::Create(config.banks);
  if (!memory.ok()) {
    return Error(ErrorCode::kInvalidArgument, "banks: " + memory.error().message());
  }
  DMAKIT_TRY(ValidateWcBuffer(config.wc_buffer_bytes));
  SocConfig effective = config;
  if (effective.cache.seed == 0) effective.cache.seed = Rng(config.seed).Next();
  std::unique_ptr<Soc> soc(new Soc(effective, std::move(memory).value()));
  auto cache = CreateSetAssociativeCache(effective.cache, soc->memory_);
  if (!cache.ok()) {
    return Error(ErrorCode::kInvalidArgument, "cache: " + cache.error().message());
  }
  soc->cache_ = std::move(cache).value();
  soc->oracle_ = std::make_unique<Oracle>(soc->memory_, effective.cache.line_size, &soc->bus_,
                                          effective.oracle);
  return soc;
}

Soc::Soc(const SocConfig& config, PhysicalMemory memory)
    : config_(config),
      memory_(std::move(memory)),
      pages_(std::make_unique<PageAllocator>(memory_, config.seed, &bus_)),
      wc_(std::make_unique<WcBuffer>()) {
  wc_->bytes.reserve(config_.wc_buffer_bytes);
}

Soc::~Soc() = default;

void Soc::AnnouncePlatform() {
  Event cache;
  cache.kind = EventKind::kCpuCache;
  cache.size = config_.cache.size;
  cache.line_size = config_.cache.line_size;
  cache.ways = config_.cache.ways;
  cache.text = Symbol(ToString(config_.cache.policy));
  bus_.Emit(cache);
  for (const MemoryBank& bank : memory_.banks()) {
    Event e;
    e.kind = EventKind::kRamBank;
    e.phys = bank.base;
    e.size = bank.size;
    e.text = Symbol(bank.name);
    bus_.Emit(e);
  }
}

// --- Mappings ---

const CpuMapping* Soc::FindMapping(CpuAddr addr) const {
  auto it = mappings_.upper_bound(addr.value());
  if (it == mappings_.begin()) return nullptr;
  --it;
  return it->second->Contains(addr) ? it->second.get() : nullptr;
}

Result<CpuAddr> Soc::MapPages(const std::vector<PhysAddr>& pages, MemAttr attr, SourceLoc where) {
  if (pages.empty()) {
    return Error(ErrorCode::kInvalidArgument, "MapPages: no pages to map");
  }
  Event e;
  e.kind = EventKind::kCpuMap;
  for (size_t i = 0; i < pages.size(); ++i) {
    PhysAddr page = pages[i];
    if (!page.IsAligned(kPageSize)) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("MapPages: page {} ({}) is not page-aligned", i, Hex(page)));
    }
    if (!memory_.IsRam(PhysRange(page, kPageSize))) {
      return Error(ErrorCode::kOutOfRange,
                   fmt::format("MapPages: page {} ({}) is not RAM", i, Hex(page)));
    }
    if (!e.sg.empty() && e.sg.back().phys + e.sg.back().length == page) {
      e.sg.back().length += kPageSize;
    } else {
      e.sg.push_back(SgSegment{page, kPageSize, DmaAddr(), 0});
    }
  }
  CpuAddr base(next_vmalloc_);
  auto mapping = std::make_unique<CpuMapping>(base, pages, attr);
  // A guard page keeps a range that runs off one mapping from landing in the next.
  next_vmalloc_ += mapping->size() + kPageSize;
  e.device = cpu_name_;
  e.cpu = base;
  e.size = mapping->size();
  e.mem_attr = attr;
  e.nents = static_cast<uint32_t>(e.sg.size());
  e.where = where;
  mappings_.emplace(base.value(), std::move(mapping));
  bus_.Emit(e);
  return base;
}

Status Soc::UnmapPages(CpuAddr base, SourceLoc where) {
  auto it = mappings_.find(base.value());
  if (it == mappings_.end()) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("UnmapPages: {} is not the start of a CPU mapping", Hex(base)));
  }
  WriteBarrier();
  Event e;
  e.kind = EventKind::kCpuUnmap;
  e.device = cpu_name_;
  e.cpu = base;
  e.size = it->second->size();
  e.mem_attr = it->second->attr();
  e.where = where;
  mappings_.erase(it);
  bus_.Emit(e);
  return Ok();
}

Result<PhysAddr> Soc::Translate(CpuAddr addr) const {
  if (InLinearMap(addr)) {
    PhysAddr phys(addr.value() - kLinearMapBase);
    if (memory_.IsRam(PhysRange(phys, 1))) return phys;
  } else if (const CpuMapping* m = FindMapping(addr)) {
    return m->Translate(addr);
  }
  return Error(ErrorCode::kNotFound, fmt::format("CPU address {} is not mapped", Hex(addr)));
}

Result<MemAttr> Soc::AttrOf(CpuAddr addr) const {
  DMAKIT_TRY(Translate(addr));
  if (InLinearMap(addr)) return MemAttr::kCached;
  return FindMapping(addr)->attr();
}

Result<Soc::Resolved> Soc::Resolve(CpuAddr addr, uint64_t size) const {
  PhysAddr first = DMAKIT_TRY(Translate(addr));
  Resolved r;
  if (InLinearMap(addr)) {
    if (!memory_.IsRam(PhysRange(first, size))) {
      return Error(ErrorCode::kOutOfRange,
                   fmt::format("CPU access {} runs off the linear map of RAM",
                               ToString(CpuRange(addr, size))));
    }
    if (size != 0) r.pieces.push_back(Piece{first, 0, size, addr});
    return r;
  }
  const CpuMapping* m = FindMapping(addr);
  r.attr = m->attr();
  if (size > m->size() - (addr - m->base())) {
    return Error(ErrorCode::kOutOfRange,
                 fmt::format("CPU access {} runs off the mapping at {} ({} bytes)",
                             ToString(CpuRange(addr, size)), Hex(m->base()), m->size()));
  }
  uint64_t done = 0;
  while (done < size) {
    CpuAddr at = addr + done;
    PhysAddr phys = m->Translate(at).value();
    uint64_t n = std::min<uint64_t>(kPageSize - at.OffsetIn(kPageSize), size - done);
    Piece* last = r.pieces.empty() ? nullptr : &r.pieces.back();
    if (last != nullptr && last->phys + last->size == phys) {
      last->size += n;
    } else {
      r.pieces.push_back(Piece{phys, done, n, at});
    }
    done += n;
  }
  return r;
}

// --- CPU loads and stores ---

uint64_t Soc::EmitCpuAccess(Access access, const Piece& piece, MemAttr attr, SourceLoc where) {
  Event e;
  e.kind = EventKind::kCpuAccess;
  e.device = cpu_name_;
  e.access = access;
  e.cpu = piece.cpu;
  e.phys = piece.phys;
  e.size = piece.size;
  e.mem_attr = attr;
  e.where = where;
  bus_.Emit(e);
  return e.seq;
}

Status Soc::CpuRead(CpuAddr addr, std::span<uint8_t> out, SourceLoc where) {
  Resolved r = DMAKIT_TRY(Resolve(addr, out.size()));
  // A load through a WC mapping drains the buffer first (it must see its own stores).
  if (r.attr == MemAttr::kWriteCombine) WriteBarrier();
  for (const Piece& piece : r.pieces) {
    EmitCpuAccess(Access::kRead, piece, r.attr, where);
    std::span<uint8_t> part = out.subspan(piece.offset, piece.size);
    if (r.attr == MemAttr::kCached) {
      DMAKIT_TRY(cache_->Read(piece.phys, part));
    } else {
      DMAKIT_TRY(memory_.Read(piece.phys, part));
    }
    oracle_->Check(piece.phys, part, cpu_name_);
  }
  return Ok();
}

Status Soc::CpuWrite(CpuAddr addr, std::span<const uint8_t> data, SourceLoc where) {
  Resolved r = DMAKIT_TRY(Resolve(addr, data.size()));
  for (const Piece& piece : r.pieces) {
    uint64_t seq = EmitCpuAccess(Access::kWrite, piece, r.attr, where);
    std::span<const uint8_t> part = data.subspan(piece.offset, piece.size);
    switch (r.attr) {
      case MemAttr::kCached:
        DMAKIT_TRY(cache_->Write(piece.phys, part));
        break;
      case MemAttr::kUncached:
        DMAKIT_TRY(memory_.Write(piece.phys, part));
        break;
      case MemAttr::kWriteCombine:
        DMAKIT_TRY(WcStore(piece.phys, part));
        break;
    }
    // The logical write happens at the store, wherever the bytes physically are.
    oracle_->RecordWrite(piece.phys, part, cpu_name_, seq);
  }
  return Ok();
}

Status Soc::WcStore(PhysAddr addr, std::span<const uint8_t> data) {
  const uint64_t capacity = config_.wc_buffer_bytes;
  uint64_t done = 0;
  while (done < data.size()) {
    PhysAddr at = addr + done;
    if (!wc_->bytes.empty() && wc_->base + wc_->bytes.size() != at) WriteBarrier();
    if (wc_->bytes.empty()) wc_->base = at;
    uint64_t n = std::min<uint64_t>(capacity - wc_->bytes.size(), data.size() - done);
    wc_->bytes.insert(wc_->bytes.end(), data.begin() + done, data.begin() + done + n);
    if (wc_->bytes.size() == capacity) WriteBarrier();
    done += n;
  }
  return Ok();
}

void Soc::WriteBarrier() {
  if (wc_->bytes.empty()) return;
  Status s = memory_.Write(wc_->base, wc_->bytes);
  DMAKIT_CHECK(s.ok(), "the WC buffer only gathers stores to RAM");
  wc_->bytes.clear();
}

uint64_t Soc::wc_pending_bytes() const { return wc_->bytes.size(); }

// The cache checks the range (and changes nothing when it is not RAM); the Soc only words
// the error for a kernel access.
Status Soc::KernelStore(PhysAddr addr, std::span<const uint8_t> data, Symbol who) {
  if (!cache_->Write(addr, data).ok()) {
    return Error(ErrorCode::kOutOfRange, fmt::format("kernel store to {} is not RAM",
                                                     ToString(PhysRange(addr, data.size()))));
  }
  oracle_->RecordWrite(addr, data, who, bus_.next_seq());
  return Ok();
}

Status Soc::KernelLoad(PhysAddr addr, std::span<uint8_t> out, Symbol who) {
  if (!cache_->Read(addr, out).ok()) {
    return Error(ErrorCode::kOutOfRange, fmt::format("kernel load from {} is not RAM",
                                                     ToString(PhysRange(addr, out.size()))));
  }
  oracle_->Check(addr, out, who);
  return Ok();
}

Status Soc::CacheMaintain(CacheOp op, PhysRange range, SourceLoc where) {
  if (!memory_.IsRam(range)) {
    return Error(ErrorCode::kOutOfRange,
                 fmt::format("cache {} of {}: not RAM", ToString(op), ToString(range)));
  }
  Event e;
  e.kind = EventKind::kCacheMaintenance;
  e.device = cpu_name_;
  e.cache_op = op;
  e.phys = range.base;
  e.size = range.size;
  e.where = where;
  bus_.Emit(e);
  return cache_->Maintain(op, range);
}

// --- Devices ---

BusMaster& Soc::AddBusMaster(std::string_view name, bool coherent, MasterKind kind) {
  if (BusMaster* existing = FindBusMaster(name)) {
    existing->set_coherent(coherent);
    return *existing;
  }
  masters_.push_back(std::make_unique<BusMaster>(*this, Symbol(name), coherent, kind));
  return *masters_.back();
}

BusMaster* Soc::FindBusMaster(std::string_view name) {
  Symbol key(name);
  for (auto& m : masters_) {
    if (m->name() == key) return m.get();
  }
  return nullptr;
}

}  // namespace dmakit
