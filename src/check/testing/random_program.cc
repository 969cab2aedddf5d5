// Random driver programs for the soundness property: lowering choices to ops, and the
// rapidcheck generators (see random_program.h).
#include "check/testing/random_program.h"

#include <rapidcheck.h>

#include <fmt/format.h>

namespace dmakit::testing {

std::string ToString(OpKind k) {
  static constexpr const char* kNames[] = {"cpu_write",    "cpu_read",        "map",
                                           "sync_for_cpu", "sync_for_device", "dev_read",
                                           "dev_write",    "unmap",           "thrash"};
  return kNames[static_cast<int>(k)];
}

std::string ToString(const Op& op) {
  if (op.kind == OpKind::kThrash) return fmt::format("thrash(dirty={})", op.pattern & 1);
  std::string s = fmt::format("{} buf{}", ToString(op.kind), op.buf);
  if (op.kind == OpKind::kMap) return s + (op.check_error ? "" : " (error unchecked)");
  if (op.kind == OpKind::kUnmap) return s;
  if (op.whole) return s + " whole";
  return s +
         fmt::format(" chunk{} lines [{}, {})", op.chunk, op.first_line, op.first_line + op.lines);
}

std::string ToString(const Program& p) {
  static constexpr const char* kPolicy[] = {"lru", "random", "adversarial"};
  static constexpr const char* kKind[] = {"single", "page", "sg"};
  std::string s = fmt::format(
      "platform: {} {} cache={}KiB/{}-way {} flush={} seed={}{}\n",
      p.platform.coherent ? "coherent" : "noncoherent", dmakit::ToString(p.platform.backend),
      p.platform.cache_kib, p.platform.ways, kPolicy[static_cast<int>(p.platform.policy)],
      p.platform.lazy_flush ? "lazy" : "strict", p.platform.seed, p.buggy ? " (buggy)" : "");
  for (size_t i = 0; i < p.buffers.size(); ++i) {
    const BufferSpec& b = p.buffers[i];
    s += fmt::format("buf{}: {} {}", i, kKind[static_cast<int>(b.kind)], dmakit::ToString(b.dir));
    for (const Chunk& c : b.chunks) s += fmt::format(" [+{:#x}, {:#x} bytes]", c.offset, c.length);
    s += "\n";
  }
  for (const Op& op : p.ops) s += "  " + ToString(op) + "\n";
  return s;
}

std::vector<Op> Lower(const std::vector<BufferSpec>& buffers, const std::vector<Choice>& choices,
                      bool buggy) {
  std::vector<Op> out;
  struct State {
    bool mapped = false;
    std::vector<std::vector<bool>> dev;      // per chunk, per line: device-owned
    std::vector<std::vector<bool>> written;  // per chunk, per line: CPU-written while mapped
    bool any_written() const {
      for (const auto& c : written) {
        for (bool w : c) {
          if (w) return true;
        }
      }
      return false;
    }
  };
  std::vector<State> st(buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) {
    for (const Chunk& c : buffers[i].chunks) {
      st[i].dev.emplace_back(c.lines(), false);
      st[i].written.emplace_back(c.lines(), false);
    }
  }
  // A CPU write to a mapped buffer must go back to the device (sync_for_device) before the
  // buffer is given to the CPU again by an invalidating unmap: a correct driver syncs first.
  auto hand_back_written = [&](size_t i) {
    State& s = st[i];
    if (!s.mapped || !s.any_written() || !DeviceWrites(buffers[i].dir)) return;
    Op sync;
    sync.kind = OpKind::kSyncForDevice;
    sync.buf = static_cast<uint8_t>(i);
    sync.whole = true;
    sync.lines = static_cast<uint32_t>(s.dev[0].size());
    out.push_back(sync);
    for (auto& c : s.dev) c.assign(c.size(), true);
    for (auto& c : s.written) c.assign(c.size(), false);
  };
  std::vector<Op> held;  // a misplaced op, emitted after the next one
  auto emit = [&](const Op& op) {
    out.push_back(op);
    for (const Op& h : held) out.push_back(h);
    held.clear();
  };
  auto set_all = [](State& s, bool dev) {
    for (auto& c : s.dev) c.assign(c.size(), dev);
  };
  for (const Choice& ch : choices) {
    Op op;
    op.kind = static_cast<OpKind>(ch.kind % kOpKindCount);
    op.pattern = ch.pattern;
    const bool drop = buggy && ch.mutation < 24;
    const bool misplace = buggy && ch.mutation >= 24 && ch.mutation < 40;
    const bool rogue = buggy && ch.mutation >= 40 && ch.mutation < 64;
    if (op.kind == OpKind::kThrash) {
      if (!drop) emit(op);
      continue;
    }
    op.buf = static_cast<uint8_t>(ch.buf % buffers.size());
    const BufferSpec& b = buffers[op.buf];
    State& s = st[op.buf];
    op.chunk = static_cast<uint8_t>(ch.chunk % b.chunks.size());
    std::vector<bool>& lines = s.dev[op.chunk];
    const uint32_t n = static_cast<uint32_t>(lines.size());
    op.first_line = ch.a % n;
    op.lines = 1 + ch.b % (n - op.first_line);
    // Shrinks [first_line, first_line + lines) to the run of lines whose owner is `dev`.
    auto clamp_to = [&](bool dev) {
      if (rogue) return true;
      if (lines[op.first_line] != dev) return false;
      uint32_t k = 1;
      while (k < op.lines && lines[op.first_line + k] == dev) ++k;
      op.lines = k;
      return true;
    };
    auto lines_written = [&](uint32_t l) { s.written[op.chunk][l] = true; };
    bool ok = false;
    switch (op.kind) {
      case OpKind::kCpuWrite:
      case OpKind::kCpuRead:
        ok = !s.mapped || clamp_to(false);
        if (ok && s.mapped && op.kind == OpKind::kCpuWrite && !rogue) {
          for (uint32_t l = op.first_line; l < op.first_line + op.lines; ++l) lines_written(l);
        }
        break;
      case OpKind::kMap:
        ok = !s.mapped;
        op.check_error = !(rogue && (ch.a & 1));
        if (ok) {
          s.mapped = true;
          set_all(s, true);
          for (auto& c : s.written) c.assign(c.size(), false);
        }
        break;
      case OpKind::kSyncForCpu:
      case OpKind::kSyncForDevice: {
        const bool to_cpu = op.kind == OpKind::kSyncForCpu;
        op.whole = b.kind == MapKind::kSg || (ch.b & 3) == 0;
        if (op.whole) {
          op.chunk = 0;
          op.first_line = 0;
          op.lines = static_cast<uint32_t>(s.dev[0].size());
        }
        if (!s.mapped) {
          ok = rogue;
        } else if (!to_cpu || rogue) {
          ok = true;
        } else if (op.whole) {
          ok = true;
          for (const auto& c : s.dev) {
            for (bool d : c) ok = ok && d;
          }
        } else {
          ok = clamp_to(true);
        }
        if (ok && s.mapped) {
          for (size_t c = 0; c < s.dev.size(); ++c) {
            if (!op.whole && c != op.chunk) continue;
            uint32_t first = op.whole ? 0 : op.first_line;
            uint32_t count = op.whole ? static_cast<uint32_t>(s.dev[c].size()) : op.lines;
            for (uint32_t l = first; l < first + count; ++l) {
              s.dev[c][l] = !to_cpu;
              if (!to_cpu) s.written[c][l] = false;
            }
          }
        }
        break;
      }
      case OpKind::kDevRead:
      case OpKind::kDevWrite: {
        const bool allowed = op.kind == OpKind::kDevRead ? DeviceReads(b.dir) : DeviceWrites(b.dir);
        ok = rogue || (s.mapped && allowed && clamp_to(true));
        break;
      }
      case OpKind::kUnmap:
        ok = s.mapped || rogue;
        if (ok && !drop && !misplace) hand_back_written(op.buf);
        s.mapped = false;
        set_all(s, false);
        for (auto& c : s.written) c.assign(c.size(), false);
        break;
      case OpKind::kThrash:
        break;
    }
    if (!ok || drop) continue;
    if (misplace && held.empty()) {
      held.push_back(op);
    } else {
      emit(op);
    }
  }
  for (const Op& h : held) out.push_back(h);
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (!st[i].mapped) continue;
    hand_back_written(i);
    Op op;
    op.kind = OpKind::kUnmap;
    op.buf = static_cast<uint8_t>(i);
    out.push_back(op);
  }
  return out;
}

// --- rapidcheck generators ---

rc::Gen<Platform> GenPlatform() {
  return rc::gen::build<Platform>(
      rc::gen::set(&Platform::coherent, rc::gen::weightedElement<bool>({{3, false}, {1, true}})),
      rc::gen::set(&Platform::backend,
                   rc::gen::element(DmaBackendKind::kDirect, DmaBackendKind::kIommu,
                                    DmaBackendKind::kBounce)),
      rc::gen::set(&Platform::policy,
                   rc::gen::element(EvictionPolicy::kLru, EvictionPolicy::kRandom,
                                    EvictionPolicy::kAdversarial)),
      rc::gen::set(&Platform::cache_kib, rc::gen::element(1u, 2u, 4u)),
      rc::gen::set(&Platform::ways, rc::gen::element(1u, 2u, 4u)),
      rc::gen::set(&Platform::lazy_flush, rc::gen::arbitrary<bool>()),
      rc::gen::set(&Platform::seed, rc::gen::inRange<uint64_t>(1, 1000)));
}

rc::Gen<Chunk> GenChunk() {
  return rc::gen::apply(
      [](uint32_t offset_lines, uint32_t length_lines) {
        return Chunk{offset_lines * kProgLine, length_lines * kProgLine};
      },
      rc::gen::inRange<uint32_t>(0, 64), rc::gen::inRange<uint32_t>(1, 80));
}

rc::Gen<BufferSpec> GenBuffer() {
  return rc::gen::mapcat(
      rc::gen::element(MapKind::kSingle, MapKind::kPage, MapKind::kSg), [](MapKind kind) {
        const size_t max_chunks = kind == MapKind::kSg ? 3 : 1;
        return rc::gen::build<BufferSpec>(
            rc::gen::set(&BufferSpec::kind, rc::gen::just(kind)),
            rc::gen::set(&BufferSpec::dir,
                         rc::gen::element(DmaDirection::kToDevice, DmaDirection::kFromDevice,
                                          DmaDirection::kBidirectional)),
            rc::gen::set(&BufferSpec::chunks,
                         rc::gen::mapcat(rc::gen::inRange<size_t>(1, max_chunks + 1), [](size_t n) {
                           return rc::gen::container<std::vector<Chunk>>(n, GenChunk());
                         })));
      });
}

rc::Gen<Choice> GenChoice() {
  return rc::gen::build<Choice>(rc::gen::set(&Choice::kind, rc::gen::arbitrary<uint8_t>()),
                                rc::gen::set(&Choice::buf, rc::gen::arbitrary<uint8_t>()),
                                rc::gen::set(&Choice::chunk, rc::gen::arbitrary<uint8_t>()),
                                rc::gen::set(&Choice::a, rc::gen::arbitrary<uint16_t>()),
                                rc::gen::set(&Choice::b, rc::gen::arbitrary<uint16_t>()),
                                rc::gen::set(&Choice::pattern, rc::gen::arbitrary<uint8_t>()),
                                rc::gen::set(&Choice::mutation, rc::gen::arbitrary<uint8_t>()));
}

rc::Gen<Program> GenProgram(bool buggy) {
  return rc::gen::apply(
      [buggy](Platform platform, std::vector<BufferSpec> buffers, std::vector<Choice> choices) {
        Program p;
        p.platform = platform;
        p.ops = Lower(buffers, choices, buggy);
        p.buffers = std::move(buffers);
        p.buggy = buggy;
        return p;
      },
      GenPlatform(),
      rc::gen::mapcat(
          rc::gen::inRange<size_t>(1, 4),
          [](size_t n) { return rc::gen::container<std::vector<BufferSpec>>(n, GenBuffer()); }),
      // Long enough for data to sit in the cache across several ownership moves.
      rc::gen::scale(4.0, rc::gen::container<std::vector<Choice>>(GenChoice())));
}

}  // namespace dmakit::testing
