#include "lpae_page_table.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <span>

#include "dmakit/core/event.h"

namespace dmakit {
namespace {

static_assert(std::endian::native == std::endian::little,
              "descriptors are stored in host byte order and the format is little-endian");

constexpr uint64_t kTypeMask = 0b11;
constexpr uint64_t kTypeBlock = 0b01;
constexpr uint64_t kTypeTableOrPage = 0b11;
constexpr int kAttrIndxShift = 2;
constexpr uint64_t kApUnpriv = uint64_t{1} << 6;    // AP[1]
constexpr uint64_t kApReadOnly = uint64_t{1} << 7;  // AP[2]
constexpr int kShShift = 8;
constexpr uint64_t kShOuter = 0b10;
constexpr uint64_t kShInner = 0b11;
constexpr uint64_t kAf = uint64_t{1} << 10;
constexpr uint64_t kXn = uint64_t{1} << 54;
constexpr uint64_t kOaMask = ((uint64_t{1} << 48) - 1) & ~uint64_t{0xfff};

constexpr int Shift(int level) { return 39 - 9 * level; }
constexpr uint64_t BlockSize(int level) { return uint64_t{1} << Shift(level); }
constexpr uint32_t Index(uint64_t iova, int level) { return (iova >> Shift(level)) & 511; }
constexpr bool IsTable(uint64_t desc, int level) {
  return level < 3 && (desc & kTypeMask) == kTypeTableOrPage;
}
// A leaf: a block at levels 1-2 or a page at level 3.
constexpr bool IsLeaf(uint64_t desc, int level) {
  if (level == 3) return (desc & kTypeMask) == kTypeTableOrPage;
  return (level == 1 || level == 2) && (desc & kTypeMask) == kTypeBlock;
}
constexpr uint64_t LeafType(int level) { return level == 3 ? kTypeTableOrPage : kTypeBlock; }

uint64_t LeafAttrs(IoProt prot) {
  uint64_t attr_index = prot.Has(IoProt::kMmio)    ? kLpaeAttrIdxDevice
                        : prot.Has(IoProt::kCache) ? kLpaeAttrIdxCached
                                                   : kLpaeAttrIdxNonCacheable;
  uint64_t d = (attr_index << kAttrIndxShift) | kApUnpriv | kAf;
  if (!prot.Has(IoProt::kWrite)) d |= kApReadOnly;
  d |= (prot.Has(IoProt::kCache) && !prot.Has(IoProt::kMmio) ? kShInner : kShOuter) << kShShift;
  if (prot.Has(IoProt::kNoExec)) d |= kXn;
  return d;
}

// Writes n descriptors d, d + step, d + 2 * step, ... two at a time with 16-byte vector stores
// (a 256-page map writes 2 KiB of descriptors; one 8-byte store per cycle was a sixth of it).
void FillDescriptors(uint64_t* out, uint32_t n, uint64_t d, uint64_t step) {
  using Pair = uint64_t __attribute__((vector_size(16)));
  uint32_t i = 0;
  if (n >= 4) {
    Pair lo = {d, d + step};
    Pair hi = {d + 2 * step, d + 3 * step};
    const Pair inc = {4 * step, 4 * step};
    for (; i + 4 <= n; i += 4) {
      std::memcpy(out + i, &lo, sizeof lo);
      std::memcpy(out + i + 2, &hi, sizeof hi);
      lo += inc;
      hi += inc;
    }
    d += uint64_t{i} * step;
  }
  for (; i < n; ++i, d += step) out[i] = d;
}

}  // namespace

std::string_view ToString(WalkFault fault) {
  switch (fault) {
    case WalkFault::kNone:
      return "none";
    case WalkFault::kTranslation:
      return "translation";
    case WalkFault::kAccessFlag:
      return "access_flag";
    case WalkFault::kBus:
      return "bus";
  }
  return "?";
}

Result<std::unique_ptr<IoPageTable>> CreateLpaePageTable(Soc& soc, const LpaeConfig& config) {
  auto table = DMAKIT_TRY(LpaePageTable::Create(soc, config));
  return std::unique_ptr<IoPageTable>(std::move(table));
}

LpaePageTable::LpaePageTable(Soc& soc, const LpaeConfig& config)
    : soc_(soc), config_(config), state_text_(config.coherent_walk ? "coherent" : "noncoherent") {}

Result<std::unique_ptr<LpaePageTable>> LpaePageTable::Create(Soc& soc, const LpaeConfig& config) {
  std::unique_ptr<LpaePageTable> t(new LpaePageTable(soc, config));
  auto root = t->NewTable(0);
  if (!root.ok()) return std::move(root).error().WithContext("allocating the LPAE root table");
  t->root_ = *root;
  return t;
}

LpaePageTable::~LpaePageTable() { Free(); }

uint64_t LpaePageTable::pgsize_bitmap() const { return BlockSize(1) | BlockSize(2) | BlockSize(3); }

PhysAddr LpaePageTable::root() const { return root_ ? root_->phys : PhysAddr(); }

void LpaePageTable::Free() {
  if (root_ == nullptr) return;
  FreeTable(root_);
  root_ = nullptr;
}

Result<LpaePageTable::Table*> LpaePageTable::NewTable(int level, bool zero) {
  PhysAddr page = DMAKIT_TRY(soc_.pages().AllocPage());
  Table* t = level < 3 ? new DirTable : new Table;
  t->phys = page;
  t->level = level;
  ++table_pages_;
  if (zero) {
    // The page may hold anything (a previous owner's data): zero it as the walker will see it.
    t->desc.fill(0);
    Store(*t, 0, kEntries);
  }
  return t;
}

void LpaePageTable::FreeTable(Table* table) {
  if (table->level < 3) {
    for (Table* child : static_cast<DirTable*>(table)->children) {
      if (child != nullptr) FreeTable(child);
    }
  }
  Status s = soc_.pages().Free(table->phys);
  DMAKIT_CHECK(s.ok(), "a table page was freed behind the page table's back");
  --table_pages_;
  if (table->level < 3) {
    delete static_cast<DirTable*>(table);
  } else {
    delete table;
  }
}

void LpaePageTable::Store(const Table& t, uint32_t first, uint32_t count) {
  PhysAddr at = t.phys + uint64_t{first} * 8;
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(t.desc.data() + first),
                                 uint64_t{count} * 8);
  Status s = soc_.KernelStore(at, bytes, config_.writer);
  DMAKIT_CHECK(s.ok(), "table pages are RAM");
  // The write is announced before its clean, in the order they happen: a checker that sees
  // the clean first would take the written lines as never cleaned.
  EventBus& bus = soc_.bus();
  if (bus.has_sinks()) {
    Event e;
    e.kind = EventKind::kPageTableWrite;
    e.domain = config_.domain;
    e.phys = at;
    e.size = bytes.size();
    e.text = state_text_;
    bus.Emit(e);
  }
  if (!config_.coherent_walk && !config_.skip_clean) {
    s = soc_.CacheMaintain(CacheOp::kClean, PhysRange(at, bytes.size()));
    DMAKIT_CHECK(s.ok(), "table pages are RAM");
  }
}

Status LpaePageTable::CheckUsable() const {
  if (root_ == nullptr) {
    return Error(ErrorCode::kFailedPrecondition, "the page table was freed");
  }
  return Ok();
}

Status LpaePageTable::CheckRange(DmaAddr iova, uint64_t size, const char* what) const {
  // Every map and unmap asks: each test returns its error directly (no nested Status to build,
  // test and destroy on the way through), and the errors are the unlikely branches.
  if (root_ == nullptr) [[unlikely]] {
    return CheckUsable();
  }
  if (size == 0) [[unlikely]] {
    return Error(ErrorCode::kInvalidArgument, fmt::format("{} of zero bytes", what));
  }
  if (!iova.IsAligned(kPageSize) || (size & (kPageSize - 1)) != 0) [[unlikely]] {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("{} of iova {} size {:#x}: not 4 KiB-aligned", what, Hex(iova), size));
  }
  if (iova.value() >= kIasLimit || size > kIasLimit - iova.value()) [[unlikely]] {
    return Error(ErrorCode::kOutOfRange,
                 fmt::format("{} of iova {} size {:#x}: beyond the 48-bit input address space",
                             what, Hex(iova), size));
  }
  return Ok();
}

Status LpaePageTable::Map(DmaAddr iova, PhysAddr phys, uint64_t size, IoProt prot) {
  DMAKIT_TRY(CheckRange(iova, size, "map"));
  if (!phys.IsAligned(kPageSize)) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("map of phys {}: not 4 KiB-aligned", Hex(phys)));
  }
  if (phys.value() >= kOaLimit || size > kOaLimit - phys.value()) {
    return Error(ErrorCode::kOutOfRange,
                 fmt::format("map of phys {} size {:#x}: beyond the 48-bit output address space",
                             Hex(phys), size));
  }
  if ((prot.bits() & ~IoProt::kKnownBits) != 0 ||
      !(prot.Has(IoProt::kRead) || prot.Has(IoProt::kWrite))) {
    return Error(
        ErrorCode::kInvalidArgument,
        fmt::format("map prot {:#x}: needs read or write and known bits only", prot.bits()));
  }
  const uint64_t attrs = LeafAttrs(prot);
  uint64_t done = 0;
  while (done < size) {
    auto run = MapRun(iova.value() + done, phys.value() + done, size - done, attrs);
    if (!run.ok()) {
      Rollback(iova.value(), done, iova.value() + done);
      return std::move(run).error().WithContext(
          fmt::format("map of {} -> {}", ToString(DmaRange(iova, size)), Hex(phys)));
    }
    done += *run;
  }
  return Ok();
}

Result<uint64_t> LpaePageTable::MapRun(uint64_t iova, uint64_t phys, uint64_t size,
                                       uint64_t attrs) {
  Table* t = root_;
  for (int level = 0;; ++level) {
    const uint64_t bs = BlockSize(level);
    const uint32_t idx = Index(iova, level);
    const bool leaf_here =
        level == 3 || (level >= 1 && ((iova | phys) & (bs - 1)) == 0 && size >= bs);
    if (leaf_here) {
      const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(kEntries - idx, size / bs));
      // Check the whole run first (no descriptor written on failure), then fill it: two
      // branch-free loops instead of a test and a store per descriptor.
      if (t->AnyValid(idx, n)) {
        uint32_t i = 0;
        while (t->desc[idx + i] == 0) ++i;
        return Error(ErrorCode::kAlreadyExists,
                     fmt::format("iova {} is already mapped", Hex(iova + uint64_t{i} * bs)));
      }
      FillDescriptors(&t->desc[idx], n, LeafType(level) | attrs | phys, bs);
      t->MarkValid(idx, n);
      Store(*t, idx, n);
      return uint64_t{n} * bs;
    }
    uint64_t& d = t->desc[idx];
    if (d == 0) {
      // A level-3 table whose 512 pages this run maps gets all its descriptors stored below:
      // zeroing it first would write the page twice.
      const bool filled_by_run = level == 2 && (iova & (bs - 1)) == 0 && size >= bs;
      Table* child = DMAKIT_TRY(NewTable(level + 1, /*zero=*/!filled_by_run));
      d = kTypeTableOrPage | child->phys.value();
      t->set_child(idx, child);
      t->MarkValid(idx, 1);
      Store(*t, idx, 1);
    } else if (!IsTable(d, level)) {
      return Error(ErrorCode::kAlreadyExists,
                   fmt::format("iova {} lies in a mapped {} KiB block", Hex(iova), bs >> 10));
    }
    t = t->child(idx);
  }
}

void LpaePageTable::Rollback(uint64_t iova, uint64_t done, uint64_t fail_at) {
  if (done > 0) {
    std::vector<Table*> to_free;
    ClearRange(*root_, 0, iova, iova + done, to_free);
    for (Table* t : to_free) FreeTable(t);
  }
  PrunePath(*root_, 0, fail_at);
}

bool LpaePageTable::PrunePath(Table& t, int level, uint64_t iova) {
  const uint32_t idx = Index(iova, level);
  Table* child = t.child(idx);
  if (child != nullptr && PrunePath(*child, level + 1, iova)) {
    t.desc[idx] = 0;
    t.set_child(idx, nullptr);
    t.MarkInvalid(idx, 1);
    Store(t, idx, 1);
    FreeTable(child);
  }
  return t.live == 0;
}

LpaePageTable::Table* LpaePageTable::Level3TableFor(uint64_t iova) const {
  Table* t = root_;
  for (int level = 0; level < 3; ++level) {
    const uint32_t idx = Index(iova, level);
    if (!IsTable(t->desc[idx], level)) return nullptr;
    t = t->child(idx);
  }
  return t;
}

bool LpaePageTable::UnmapWithinOneTable(uint64_t start, uint64_t end) {
  if ((start >> Shift(2)) != ((end - 1) >> Shift(2))) return false;  // spans two tables
  Table* t = Level3TableFor(start);
  const uint32_t first = Index(start, 3);
  const uint32_t n = static_cast<uint32_t>((end - start) >> kPageShift);
  if (t == nullptr || t->live <= n) return false;  // blocks to split, or a table to free
  if (!t->AllValid(first, n)) return false;  // something is not mapped: the general path says so
  std::memset(&t->desc[first], 0, uint64_t{n} * 8);
  t->MarkInvalid(first, n);
  Store(*t, first, n);
  return true;
}

Status LpaePageTable::Unmap(DmaAddr iova, uint64_t size) {
  DMAKIT_TRY(CheckRange(iova, size, "unmap"));
  const uint64_t start = iova.value();
  const uint64_t end = start + size;
  if (UnmapWithinOneTable(start, end)) return Ok();
  if (!AllMapped(*root_, 0, start, end)) {
    return Error(ErrorCode::kNotFound, fmt::format("unmap of {}: not everything in it is mapped",
                                                   ToString(DmaRange(iova, size))));
  }
  DMAKIT_TRY(SplitAt(start));
  if (end < kIasLimit) DMAKIT_TRY(SplitAt(end));
  std::vector<Table*> to_free;
  ClearRange(*root_, 0, start, end, to_free);
  // Only now that no descriptor points at them may the table pages be reused.
  for (Table* t : to_free) FreeTable(t);
  return Ok();
}

bool LpaePageTable::AllMapped(const Table& t, int level, uint64_t start, uint64_t end) const {
  if (level == 3) {  // the hot case: a tight scan of page descriptors
    const uint32_t first = Index(start, 3);
    const uint32_t n = static_cast<uint32_t>((end - start + kPageSize - 1) >> kPageShift);
    return t.AllValid(first, n);
  }
  const uint64_t bs = BlockSize(level);
  uint64_t a = start;
  while (a < end) {
    const uint32_t idx = Index(a, level);
    const uint64_t d = t.desc[idx];
    const uint64_t next = (a & ~(bs - 1)) + bs;
    const uint64_t stop = std::min(next, end);
    if (IsTable(d, level)) {
      if (!AllMapped(*t.child(idx), level + 1, a, stop)) return false;
    } else if (!IsLeaf(d, level)) {
      return false;
    }
    a = stop;
  }
  return true;
}

Status LpaePageTable::SplitAt(uint64_t iova) {
  Table* t = root_;
  for (int level = 0; level < 3; ++level) {
    const uint32_t idx = Index(iova, level);
    const uint64_t d = t->desc[idx];
    if (IsLeaf(d, level)) {
      if ((iova & (BlockSize(level) - 1)) == 0) return Ok();           // a boundary already
      Table* child = DMAKIT_TRY(NewTable(level + 1, /*zero=*/false));  // stored below
      const uint64_t child_bs = BlockSize(level + 1);
      const uint64_t attrs = d & ~kOaMask & ~kTypeMask;
      FillDescriptors(child->desc.data(), kEntries, LeafType(level + 1) | attrs | (d & kOaMask),
                      child_bs);
      child->MarkValid(0, kEntries);
      Store(*child, 0, kEntries);  // the whole table before it is linked
      t->desc[idx] = kTypeTableOrPage | child->phys.value();
      t->set_child(idx, child);
      Store(*t, idx, 1);
    } else if (!IsTable(d, level)) {
      return Ok();  // unmapped: nothing to split
    }
    t = t->child(idx);
  }
  return Ok();
}

void LpaePageTable::ClearRange(Table& t, int level, uint64_t start, uint64_t end,
                               std::vector<Table*>& to_free) {
  if (level == 3) {  // every page in the range is mapped (checked by the caller)
    const uint32_t first = Index(start, 3);
    const uint32_t n = static_cast<uint32_t>((end - start + kPageSize - 1) >> kPageShift);
    std::memset(&t.desc[first], 0, uint64_t{n} * 8);
    t.MarkInvalid(first, n);
    Store(t, first, n);
    return;
  }
  const uint64_t bs = BlockSize(level);
  uint32_t first = kEntries;
  uint32_t last = 0;
  uint64_t a = start;
  while (a < end) {
    const uint32_t idx = Index(a, level);
    const uint64_t next = (a & ~(bs - 1)) + bs;
    const uint64_t stop = std::min(next, end);
    uint64_t& d = t.desc[idx];
    bool cleared = false;
    if (IsTable(d, level)) {
      Table* child = t.child(idx);
      ClearRange(*child, level + 1, a, stop, to_free);
      if (child->live == 0) {
        to_free.push_back(child);
        t.set_child(idx, nullptr);
        cleared = true;
      }
    } else if (IsLeaf(d, level)) {
      cleared = true;  // SplitAt made every leaf in the range whole
    }
    if (cleared) {
      d = 0;
      t.MarkInvalid(idx, 1);
      first = std::min(first, idx);
      last = idx;
    }
    a = stop;
  }
  if (first <= last) Store(t, first, last - first + 1);
}

Result<PhysAddr> LpaePageTable::IovaToPhys(DmaAddr iova) const {
  DMAKIT_TRY(CheckUsable());
  const uint64_t a = iova.value();
  if (a >= kIasLimit) {
    return Error(ErrorCode::kOutOfRange, fmt::format("iova {} beyond 48 bits", Hex(iova)));
  }
  const Table* t = root_;
  for (int level = 0; level < kLevels; ++level) {
    const uint64_t d = t->desc[Index(a, level)];
    if (IsLeaf(d, level)) return PhysAddr((d & kOaMask) + (a & (BlockSize(level) - 1)));
    if (!IsTable(d, level)) break;
    t = t->child(Index(a, level));
  }
  return Error(ErrorCode::kNotFound, fmt::format("iova {} is not mapped", Hex(iova)));
}

WalkResult LpaePageTable::HwWalk(BusMaster& walker, DmaAddr iova) {
  WalkResult r;
  const uint64_t a = iova.value();
  if (root_ == nullptr || a >= kIasLimit) {
    r.fault = WalkFault::kTranslation;
    return r;
  }
  uint64_t table = root_->phys.value();
  for (int level = 0; level < kLevels; ++level) {
    r.level = level;
    r.descriptor = PhysAddr(table + uint64_t{Index(a, level)} * 8);
    uint64_t d = 0;
    Status s = walker.Read(r.descriptor, std::span(reinterpret_cast<uint8_t*>(&d), 8),
                           DmaAddr(r.descriptor.value()));
    if (!s.ok()) {
      r.fault = WalkFault::kBus;
      return r;
    }
    r.descriptor_value = d;
    if (IsLeaf(d, level)) {
      if ((d & kAf) == 0) {
        r.fault = WalkFault::kAccessFlag;
        return r;
      }
      r.page_size = BlockSize(level);
      r.phys = PhysAddr((d & kOaMask & ~(r.page_size - 1)) + (a & (r.page_size - 1)));
      r.read_only = (d & kApReadOnly) != 0;
      r.execute_never = (d & kXn) != 0;
      r.attr_index = static_cast<uint8_t>((d >> kAttrIndxShift) & 7);
      return r;
    }
    if (!IsTable(d, level)) {
      r.fault = WalkFault::kTranslation;
      return r;
    }
    table = d & kOaMask;
  }
  r.fault = WalkFault::kTranslation;
  return r;
}

}  // namespace dmakit
