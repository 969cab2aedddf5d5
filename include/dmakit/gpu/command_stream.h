// The command encoding of the simulated GPU's command processor (CP), and a builder for it.
//
// A command stream is a sequence of little-endian 32-bit words. Each command is one header
// word followed by its payload:
//
//   header = opcode (bits 0..7) | payload length in words (bits 8..23) | 0 (bits 24..31)
//
//   opcode          payload words (64-bit GPU addresses as lo, hi)
//   0 NOP           any number, ignored (padding)
//   1 WRITE_IMM     addr lo, addr hi, value            store a 32-bit value at addr
//   2 COPY          dst lo, dst hi, src lo, src hi, n  copy n bytes src -> dst (no overlap)
//   3 FILL          dst lo, dst hi, n, value           store value into each 32-bit word of
//                                                      [dst, dst + n); n a multiple of 4
//   4 ALU           dst lo, dst hi, n, op, constant    each 32-bit word w of [dst, dst + n)
//                                                      becomes w + constant (op 0, ADD, modulo
//                                                      2^32) or w ^ constant (op 1, XOR)
//   5 FENCE         addr lo, addr hi, value, flags     store value at addr after every earlier
//                                                      command; flags bit 0: raise an interrupt
//   6 INDIRECT      addr lo, addr hi, n                execute the n-byte buffer at addr (an
//                                                      indirect buffer may not contain INDIRECT)
//   7 WRAP          none                               ring only: continue at the ring's start
//
// Every address is a GPU virtual address (an IOVA of the current address space); every access
// goes through the GPU's IOMMU. A header whose length does not match its opcode's payload (NOP
// excepted), an unknown opcode, or a command running past the end of its buffer is an illegal
// command (the CP stops executing that buffer).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/result.h"

namespace dmakit {

enum class GpuOpcode : uint8_t {
  kNop = 0,
  kWriteImm = 1,
  kCopy = 2,
  kFill = 3,
  kAlu = 4,
  kFence = 5,
  kIndirect = 6,
  kWrap = 7,
};
enum class AluOp : uint32_t { kAdd = 0, kXor = 1 };
inline constexpr uint32_t kFenceIrq = 1u << 0;

// The payload length each opcode requires (NOP: any).
uint32_t PayloadWords(GpuOpcode op);

struct GpuCommand {
  GpuOpcode op = GpuOpcode::kNop;
  uint32_t words = 1;             // header included: where the next command starts
  std::vector<uint32_t> payload;  // as encoded
  DmaAddr Addr(size_t i) const {  // payload words i, i + 1 as a 64-bit address
    return DmaAddr(payload[i] | (uint64_t{payload[i + 1]} << 32));
  }
};

// Decodes the command at `pos` of `stream`. Errors: kOutOfRange (pos at or past the end, or
// the payload runs past the end), kInvalidArgument (unknown opcode, reserved header bits set,
// a payload length the opcode does not take).
Result<GpuCommand> DecodeCommand(std::span<const uint32_t> stream, size_t pos);

// Appends encoded commands. Sizes are bytes.
class CommandBuilder {
 public:
  CommandBuilder& Nop(uint32_t padding_words = 0);
  CommandBuilder& WriteImm(DmaAddr addr, uint32_t value);
  CommandBuilder& Copy(DmaAddr dst, DmaAddr src, uint32_t bytes);
  CommandBuilder& Fill(DmaAddr dst, uint32_t bytes, uint32_t value);
  CommandBuilder& Alu(AluOp op, DmaAddr dst, uint32_t bytes, uint32_t constant);
  CommandBuilder& Fence(DmaAddr addr, uint32_t value, uint32_t flags = kFenceIrq);
  CommandBuilder& Indirect(DmaAddr addr, uint32_t bytes);
  CommandBuilder& Wrap();
  // Raw words (a test writing a malformed command).
  CommandBuilder& Raw(std::span<const uint32_t> words);

  const std::vector<uint32_t>& words() const { return words_; }
  uint32_t size_bytes() const { return static_cast<uint32_t>(words_.size() * 4); }
  // The stream as bytes, little-endian, for a CPU write into a buffer object.
  std::vector<uint8_t> Bytes() const;
  void Clear() { words_.clear(); }

 private:
  CommandBuilder& Emit(GpuOpcode op, std::initializer_list<uint32_t> payload);
  std::vector<uint32_t> words_;
};

// Little-endian words <-> bytes (a trailing partial word is dropped).
std::vector<uint32_t> WordsFromBytes(std::span<const uint8_t> bytes);

}  // namespace dmakit
