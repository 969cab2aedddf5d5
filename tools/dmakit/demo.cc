#include "demo.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <memory>
#include <span>
#include <string>

#include "dmakit/core/event_sink.h"
#include "dmakit/sim/soc.h"

namespace dmakit::demo {
namespace {

constexpr uint64_t kBufBytes = 256;  // four cache lines: small enough to print

std::string ShowBytes(std::span<const uint8_t> bytes, size_t max = 12) {
  std::string s;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    s += fmt::format("{}{:02x}", i == 0 ? "" : " ", bytes[i]);
  }
  if (bytes.size() > max) s += " ...";
  return s;
}

std::vector<uint8_t> Fill(uint8_t first) {
  std::vector<uint8_t> out(kBufBytes);
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(1 + (first + i) % 255);
  return out;
}

// Keeps the oracle's corruption reports; prints them after the step that caused them.
class CorruptionReporter final : public EventSink {
 public:
  explicit CorruptionReporter(std::ostream& out) : out_(out) {}
  void OnEvent(const Event& e) override {
    if (e.kind == EventKind::kCorruption) corruptions_.push_back(e);
  }
  void PrintNew() {
    for (; printed_ < corruptions_.size(); ++printed_) Print(corruptions_[printed_]);
  }
  std::vector<Event> take() { return std::move(corruptions_); }

 private:
  void Print(const Event& e) {
    fmt::print(out_,
               "    oracle: CORRUPTION: {} read {} ({} bytes) that differ from the last write "
               "there, by {} (event #{})\n"
               "            expected: {}\n            observed: {}\n",
               e.device.view(), ToString(e.phys_range()), e.size, e.writer.view(), e.writer_seq,
               ShowBytes(e.expected, 16), ShowBytes(e.observed, 16));
  }

  std::ostream& out_;
  std::vector<Event> corruptions_;
  size_t printed_ = 0;
};

// One run of one demonstration: a fresh default SoC, a buffer, a scratch area for the kernel's
// unrelated activity, and the narration.
class Run {
 public:
  Run(EvictionPolicy policy, std::ostream& out) : out_(out), reporter_(out) {
    SocConfig config;
    config.cache.policy = policy;
    auto soc = Soc::Create(config);
    DMAKIT_CHECK(soc.ok(), "the default SoC config is valid");
    soc_ = std::move(soc).value();
    soc_->bus().Subscribe(&reporter_);
    soc_->AnnouncePlatform();
    buf_ = soc_->pages().AllocPage().value();
    scratch_pages_ = 8 * soc_->config().cache.size / kPageSize;
    scratch_ = soc_->pages().AllocContiguous(scratch_pages_).value();
  }

  Soc& soc() { return *soc_; }
  PhysAddr buf() const { return buf_; }
  PhysRange range() const { return PhysRange(buf_, kBufBytes); }
  CpuAddr cpu_buf() const { return soc_->LinearAddress(buf_); }

  template <typename... Args>
  void Say(std::string_view who, fmt::format_string<Args...> text, Args&&... args) {
    fmt::print(out_, "    {:<7} {}\n", who, fmt::format(text, std::forward<Args>(args)...));
    reporter_.PrintNew();
  }

  void CpuFill(CpuAddr at, const std::vector<uint8_t>& data, std::string_view how) {
    Must(soc_->CpuWrite(at, data));
    Say("cpu", "writes {} bytes at {} ({}): {}", data.size(), ToString(range()), how,
        ShowBytes(data));
  }
  std::vector<uint8_t> CpuReadBack(CpuAddr at, std::string_view how) {
    std::vector<uint8_t> seen(kBufBytes);
    Must(soc_->CpuRead(at, seen));
    Say("cpu", "reads {} ({}): {}", ToString(range()), how, ShowBytes(seen));
    return seen;
  }
  void Maintain(CacheOp op, std::string_view why) {
    Must(soc_->CacheMaintain(op, range()));
    Say("driver", "{}: cache {} of {}", why, dmakit::ToString(op), ToString(range()));
  }
  void Skip(std::string_view what) { Say("driver", "{} (BUG: no cache maintenance)", what); }
  void DeviceWrite(std::string_view name, const std::vector<uint8_t>& data) {
    Must(soc_->AddBusMaster(name, false).Write(buf_, data));
    Say(name, "DMA-writes {} bytes at {}: {}", data.size(), ToString(range()), ShowBytes(data));
  }
  void DeviceRead(std::string_view name) {
    std::vector<uint8_t> seen(kBufBytes);
    Must(soc_->AddBusMaster(name, false).Read(buf_, seen));
    Say(name, "DMA-reads {}: {}", ToString(range()), ShowBytes(seen));
  }
  // Unrelated kernel work streams through memory: every cached line is evicted sooner or
  // later, dirty ones are written back.
  void KernelActivity() {
    uint64_t before = soc_->cache().stats().write_backs;
    std::vector<uint8_t> sink(kPageSize);
    for (uint64_t i = 0; i < scratch_pages_; ++i) {
      Must(soc_->KernelLoad(scratch_ + i * kPageSize, sink, Symbol("kernel")));
    }
    Say("kernel", "unrelated work reads {} KiB elsewhere: {} dirty lines written back",
        scratch_pages_ * kPageSize / 1024, soc_->cache().stats().write_backs - before);
  }

  Outcome Finish(Variant variant) {
    Outcome o;
    o.corruptions = reporter_.take();
    bool corrupted = !o.corruptions.empty();
    o.as_expected = corrupted == (variant == Variant::kWrong);
    fmt::print(out_, "    => {} ({})\n", corrupted ? "data corrupted" : "no corruption",
               o.as_expected ? "as expected" : "UNEXPECTED");
    return o;
  }

 private:
  static void Must(const Status& s) { DMAKIT_CHECK(s.ok(), s.error().ToString().c_str()); }

  std::ostream& out_;
  CorruptionReporter reporter_;
  std::unique_ptr<Soc> soc_;
  PhysAddr buf_;
  PhysAddr scratch_;
  uint64_t scratch_pages_ = 0;
};

// (1) TO_DEVICE: the CPU's data sits dirty in the cache; the device reads memory.
Outcome CpuWriteNoClean(Variant variant, EvictionPolicy policy, std::ostream& out) {
  Run run(policy, out);
  run.CpuFill(run.cpu_buf(), Fill(1), "a packet, through the cached linear map");
  if (variant == Variant::kRight) {
    run.Maintain(CacheOp::kClean, "dma_map_single(nic, TO_DEVICE)");
  } else {
    run.Skip("dma_map_single(nic, TO_DEVICE)");
  }
  run.DeviceRead("nic");
  return run.Finish(variant);
}

// (2) FROM_DEVICE: the CPU still caches the buffer's lines when the device writes memory.
Outcome DeviceWriteNoInvalidate(Variant variant, EvictionPolicy policy, std::ostream& out) {
  Run run(policy, out);
  run.CpuFill(run.cpu_buf(), Fill(7), "the previous frame, cached");
  run.Maintain(CacheOp::kClean, "dma_map_single(camera, FROM_DEVICE)");
  run.DeviceWrite("camera", Fill(100));
  if (variant == Variant::kRight) {
    run.Maintain(CacheOp::kInvalidate, "dma_unmap_single(camera, FROM_DEVICE)");
  } else {
    run.Skip("dma_unmap_single(camera, FROM_DEVICE)");
  }
  run.CpuReadBack(run.cpu_buf(), "the new frame, it hopes");
  return run.Finish(variant);
}

// (3) FROM_DEVICE mapped without the clean: a dirty line is evicted over the device's data.
Outcome DirtyLineEvicted(Variant variant, EvictionPolicy policy, std::ostream& out) {
  Run run(policy, out);
  run.CpuFill(run.cpu_buf(), Fill(7), "memset of a receive buffer, cached");
  if (variant == Variant::kRight) {
    run.Maintain(CacheOp::kClean, "dma_map_single(nic, FROM_DEVICE)");
  } else {
    run.Skip("dma_map_single(nic, FROM_DEVICE)");
  }
  run.DeviceWrite("nic", Fill(100));
  run.KernelActivity();
  run.Maintain(CacheOp::kInvalidate, "dma_unmap_single(nic, FROM_DEVICE)");
  run.CpuReadBack(run.cpu_buf(), "the received packet");
  return run.Finish(variant);
}

// (4) A page mapped uncached while the cache holds a dirty line of it (the seed's story:
// pages must be cleaned before an uncached / write-combined mmap).
Outcome UncachedAliasEviction(Variant variant, EvictionPolicy policy, std::ostream& out) {
  Run run(policy, out);
  run.CpuFill(run.cpu_buf(), Fill(7), "clearing a new buffer object, cached");
  if (variant == Variant::kRight) {
    run.Maintain(CacheOp::kCleanInvalidate, "prepare the pages for an uncached mapping");
  } else {
    run.Skip("mmap of the buffer object, uncached, without preparing its pages");
  }
  CpuAddr uc = run.soc().MapPages({run.buf()}, MemAttr::kUncached).value();
  run.Say("driver", "maps the page uncached at {}", Hex(uc));
  run.CpuFill(uc, Fill(100), "user space, through the uncached mapping");
  run.KernelActivity();
  run.CpuReadBack(uc, "user space, through the uncached mapping");
  return run.Finish(variant);
}

}  // namespace

std::string_view ToString(Variant variant) {
  return variant == Variant::kWrong ? "wrong" : "right";
}

const std::vector<Demonstration>& Demonstrations() {
  static const std::vector<Demonstration> kAll = {
      {"cpu-write-no-clean",
       "CPU writes a TO_DEVICE buffer, no clean: the device reads stale memory", CpuWriteNoClean},
      {"device-write-no-invalidate",
       "device writes a FROM_DEVICE buffer, no invalidate: the CPU reads a stale line",
       DeviceWriteNoInvalidate},
      {"dirty-line-evicted", "dirty line evicted after a device write clobbers the device's data",
       DirtyLineEvicted},
      {"uncached-alias-eviction",
       "page mapped uncached over a dirty line: its eviction clobbers uncached stores",
       UncachedAliasEviction},
  };
  return kAll;
}

const Demonstration* FindDemonstration(std::string_view id) {
  for (const Demonstration& d : Demonstrations()) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

bool RunBoth(const Demonstration& demo, EvictionPolicy policy, std::ostream& out) {
  fmt::print(out, "== {}: {} [{} eviction]\n", demo.id, demo.title, ToString(policy));
  bool ok = true;
  for (Variant v : {Variant::kWrong, Variant::kRight}) {
    fmt::print(out, "  -- done {}\n", ToString(v));
    ok = demo.run(v, policy, out).as_expected && ok;
  }
  fmt::print(out, "\n");
  return ok;
}

}  // namespace dmakit::demo
