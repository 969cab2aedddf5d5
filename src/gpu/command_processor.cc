#include "dmakit/gpu/command_processor.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace dmakit {
namespace {

uint32_t LoadWord(const uint8_t* p) {
  return p[0] | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
void StoreWord(uint8_t* p, uint32_t v) {
  for (int b = 0; b < 4; ++b) p[b] = static_cast<uint8_t>(v >> (8 * b));
}

}  // namespace

void CommandProcessor::Record(CpError::Kind kind, DmaAddr at, GpuOpcode op, std::string message) {
  errors_.push_back(CpError{kind, at, op, std::move(message)});
}

Status CommandProcessor::Read(DmaAddr addr, std::span<uint8_t> out) {
  DMAKIT_TRY(iommu_.DeviceRead(device_, addr, out));
  counters_.bytes_read += out.size();
  return Ok();
}

Status CommandProcessor::Write(DmaAddr addr, std::span<const uint8_t> data) {
  DMAKIT_TRY(iommu_.DeviceWrite(device_, addr, data));
  counters_.bytes_written += data.size();
  return Ok();
}

Result<uint32_t> CommandProcessor::RunRing(DmaAddr ring, uint32_t ring_bytes, uint32_t rptr,
                                           uint32_t wptr) {
  if (ring_bytes % 4 != 0 || rptr % 4 != 0 || wptr % 4 != 0 || rptr >= ring_bytes ||
      wptr >= ring_bytes) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("ring of {} bytes with rptr {} and wptr {}", ring_bytes, rptr, wptr));
  }
  std::vector<uint8_t> bytes;
  while (rptr != wptr) {
    const DmaAddr at = ring + rptr;
    uint8_t header[4];
    DMAKIT_TRY(Read(at, header));
    const uint32_t length = (LoadWord(header) >> 8) & 0xffff;
    const uint64_t words = 1 + uint64_t{length};
    if (rptr + words * 4 > ring_bytes) {
      return Error(ErrorCode::kOutOfRange,
                   fmt::format("ring command at {} runs past the ring's end", Hex(at)));
    }
    bytes.resize(words * 4);
    DMAKIT_TRY(Read(at, bytes));
    const std::vector<uint32_t> stream = WordsFromBytes(bytes);
    GpuCommand cmd = DMAKIT_TRY(DecodeCommand(stream, 0));
    if (cmd.op == GpuOpcode::kWrap) {
      ++counters_.commands;
      rptr = 0;
      continue;
    }
    Execute(cmd, at, /*in_ring=*/true);
    rptr += cmd.words * 4;
    if (rptr == ring_bytes) rptr = 0;
  }
  return rptr;
}

void CommandProcessor::ExecuteBuffer(DmaAddr addr, uint32_t bytes) {
  std::vector<uint8_t> raw(bytes);
  if (Status st = Read(addr, raw); !st.ok()) {
    Record(CpError::Kind::kFault, addr, GpuOpcode::kIndirect,
           "fetching the indirect buffer: " + st.error().message());
    return;
  }
  const std::vector<uint32_t> stream = WordsFromBytes(raw);
  size_t pos = 0;
  while (pos < stream.size()) {
    auto cmd = DecodeCommand(stream, pos);
    if (!cmd.ok()) {
      Record(CpError::Kind::kIllegalCommand, addr + pos * 4, GpuOpcode::kNop,
             cmd.error().message());
      return;
    }
    if (cmd->op == GpuOpcode::kWrap || cmd->op == GpuOpcode::kIndirect) {
      Record(CpError::Kind::kIllegalCommand, addr + pos * 4, cmd->op,
             "WRAP and INDIRECT are not allowed in an indirect buffer");
      return;
    }
    Execute(*cmd, addr + pos * 4, /*in_ring=*/false);
    pos += cmd->words;
  }
}

void CommandProcessor::Execute(const GpuCommand& cmd, DmaAddr at, bool in_ring) {
  ++counters_.commands;
  const auto& p = cmd.payload;
  Status st = Ok();
  switch (cmd.op) {
    case GpuOpcode::kNop:
    case GpuOpcode::kWrap:
      return;
    case GpuOpcode::kWriteImm: {
      uint8_t word[4];
      StoreWord(word, p[2]);
      st = Write(cmd.Addr(0), word);
      break;
    }
    case GpuOpcode::kCopy:
      st = Copy(cmd.Addr(0), cmd.Addr(2), p[4]);
      break;
    case GpuOpcode::kFill:
      st = Fill(cmd.Addr(0), p[2], p[3]);
      break;
    case GpuOpcode::kAlu:
      if (p[3] > static_cast<uint32_t>(AluOp::kXor)) {
        Record(CpError::Kind::kIllegalCommand, at, cmd.op, fmt::format("unknown ALU op {}", p[3]));
        return;
      }
      st = Alu(static_cast<AluOp>(p[3]), cmd.Addr(0), p[2], p[4]);
      break;
    case GpuOpcode::kFence: {
      uint8_t word[4];
      StoreWord(word, p[2]);
      st = Write(cmd.Addr(0), word);
      if (st.ok() && (p[3] & kFenceIrq) != 0) {
        ++counters_.interrupts;
        if (irq_) irq_(p[2]);
      }
      break;
    }
    case GpuOpcode::kIndirect:
      if (!in_ring) return;  // refused by ExecuteBuffer before we get here
      ExecuteBuffer(cmd.Addr(0), p[2]);
      return;
  }
  if (!st.ok()) {
    const auto kind = st.error().code() == ErrorCode::kInvalidArgument
                          ? CpError::Kind::kIllegalCommand
                          : CpError::Kind::kFault;
    Record(kind, at, cmd.op, st.error().message());
  }
}

Status CommandProcessor::Copy(DmaAddr dst, DmaAddr src, uint64_t bytes) {
  for (uint64_t done = 0; done < bytes; done += kBurstBytes) {
    burst_.resize(std::min(kBurstBytes, bytes - done));
    DMAKIT_TRY(Read(src + done, burst_));
    DMAKIT_TRY(Write(dst + done, burst_));
  }
  return Ok();
}

Status CommandProcessor::Fill(DmaAddr dst, uint64_t bytes, uint32_t value) {
  if (bytes % 4 != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("FILL of {} bytes: not whole words", bytes));
  }
  for (uint64_t done = 0; done < bytes; done += kBurstBytes) {
    burst_.resize(std::min(kBurstBytes, bytes - done));
    for (size_t i = 0; i < burst_.size(); i += 4) StoreWord(&burst_[i], value);
    DMAKIT_TRY(Write(dst + done, burst_));
  }
  return Ok();
}

Status CommandProcessor::Alu(AluOp op, DmaAddr dst, uint64_t bytes, uint32_t constant) {
  if (bytes % 4 != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("ALU over {} bytes: not whole words", bytes));
  }
  for (uint64_t done = 0; done < bytes; done += kBurstBytes) {
    burst_.resize(std::min(kBurstBytes, bytes - done));
    DMAKIT_TRY(Read(dst + done, burst_));
    for (size_t i = 0; i < burst_.size(); i += 4) {
      const uint32_t w = LoadWord(&burst_[i]);
      StoreWord(&burst_[i], op == AluOp::kAdd ? w + constant : w ^ constant);
    }
    DMAKIT_TRY(Write(dst + done, burst_));
  }
  return Ok();
}

}  // namespace dmakit
