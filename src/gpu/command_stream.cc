#include "dmakit/gpu/command_stream.h"

#include <fmt/format.h>

namespace dmakit {
namespace {

uint32_t Lo(DmaAddr a) { return static_cast<uint32_t>(a.value()); }
uint32_t Hi(DmaAddr a) { return static_cast<uint32_t>(a.value() >> 32); }

}  // namespace

uint32_t PayloadWords(GpuOpcode op) {
  switch (op) {
    case GpuOpcode::kNop:
    case GpuOpcode::kWrap:
      return 0;
    case GpuOpcode::kWriteImm:
    case GpuOpcode::kIndirect:
      return 3;
    case GpuOpcode::kFill:
    case GpuOpcode::kFence:
      return 4;
    case GpuOpcode::kCopy:
    case GpuOpcode::kAlu:
      return 5;
  }
  return 0;
}

Result<GpuCommand> DecodeCommand(std::span<const uint32_t> stream, size_t pos) {
  if (pos >= stream.size()) {
    return Error(
        ErrorCode::kOutOfRange,
        fmt::format("command at word {} lies past the end ({} words)", pos, stream.size()));
  }
  const uint32_t header = stream[pos];
  const uint32_t opcode = header & 0xff;
  const uint32_t length = (header >> 8) & 0xffff;
  if ((header >> 24) != 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("header {:#010x} at word {} has reserved bits set", header, pos));
  }
  if (opcode > static_cast<uint32_t>(GpuOpcode::kWrap)) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("unknown opcode {} at word {}", opcode, pos));
  }
  const auto op = static_cast<GpuOpcode>(opcode);
  if (op != GpuOpcode::kNop && length != PayloadWords(op)) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("opcode {} at word {} takes {} payload words, header says {}", opcode,
                             pos, PayloadWords(op), length));
  }
  if (stream.size() - pos - 1 < length) {
    return Error(ErrorCode::kOutOfRange,
                 fmt::format("command at word {} runs past the end ({} payload words, {} left)",
                             pos, length, stream.size() - pos - 1));
  }
  GpuCommand cmd;
  cmd.op = op;
  cmd.words = 1 + length;
  if (op != GpuOpcode::kNop) {
    cmd.payload.assign(stream.begin() + static_cast<ptrdiff_t>(pos + 1),
                       stream.begin() + static_cast<ptrdiff_t>(pos + 1 + length));
  }
  return cmd;
}

CommandBuilder& CommandBuilder::Emit(GpuOpcode op, std::initializer_list<uint32_t> payload) {
  words_.push_back(static_cast<uint32_t>(op) | (static_cast<uint32_t>(payload.size()) << 8));
  words_.insert(words_.end(), payload.begin(), payload.end());
  return *this;
}

CommandBuilder& CommandBuilder::Nop(uint32_t padding_words) {
  words_.push_back(static_cast<uint32_t>(GpuOpcode::kNop) | (padding_words << 8));
  words_.insert(words_.end(), padding_words, 0u);
  return *this;
}

CommandBuilder& CommandBuilder::WriteImm(DmaAddr addr, uint32_t value) {
  return Emit(GpuOpcode::kWriteImm, {Lo(addr), Hi(addr), value});
}

CommandBuilder& CommandBuilder::Copy(DmaAddr dst, DmaAddr src, uint32_t bytes) {
  return Emit(GpuOpcode::kCopy, {Lo(dst), Hi(dst), Lo(src), Hi(src), bytes});
}

CommandBuilder& CommandBuilder::Fill(DmaAddr dst, uint32_t bytes, uint32_t value) {
  return Emit(GpuOpcode::kFill, {Lo(dst), Hi(dst), bytes, value});
}

CommandBuilder& CommandBuilder::Alu(AluOp op, DmaAddr dst, uint32_t bytes, uint32_t constant) {
  return Emit(GpuOpcode::kAlu, {Lo(dst), Hi(dst), bytes, static_cast<uint32_t>(op), constant});
}

CommandBuilder& CommandBuilder::Fence(DmaAddr addr, uint32_t value, uint32_t flags) {
  return Emit(GpuOpcode::kFence, {Lo(addr), Hi(addr), value, flags});
}

CommandBuilder& CommandBuilder::Indirect(DmaAddr addr, uint32_t bytes) {
  return Emit(GpuOpcode::kIndirect, {Lo(addr), Hi(addr), bytes});
}

CommandBuilder& CommandBuilder::Wrap() { return Emit(GpuOpcode::kWrap, {}); }

CommandBuilder& CommandBuilder::Raw(std::span<const uint32_t> words) {
  words_.insert(words_.end(), words.begin(), words.end());
  return *this;
}

std::vector<uint8_t> CommandBuilder::Bytes() const {
  std::vector<uint8_t> out(words_.size() * 4);
  for (size_t i = 0; i < words_.size(); ++i) {
    for (int b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<uint8_t>(words_[i] >> (8 * b));
  }
  return out;
}

std::vector<uint32_t> WordsFromBytes(std::span<const uint8_t> bytes) {
  std::vector<uint32_t> out(bytes.size() / 4);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = bytes[i * 4] | (uint32_t{bytes[i * 4 + 1]} << 8) | (uint32_t{bytes[i * 4 + 2]} << 16) |
             (uint32_t{bytes[i * 4 + 3]} << 24);
  }
  return out;
}

}  // namespace dmakit
