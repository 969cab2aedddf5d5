// CommandProcessor: the simulated GPU's front end. It fetches commands by DMA through the
// GPU's IOMMU (Iommu::DeviceRead at GPU virtual addresses of the attached address space) and
// executes them (command_stream.h) with DMA through the same IOMMU.
//
// The ring: the driver writes commands into a ring buffer object and moves the write pointer;
// RunRing fetches and executes from the read pointer up to it, one command at a time (a WRAP
// command sends the read pointer back to the ring's start). An INDIRECT command fetches its
// whole buffer in one DMA read and executes it.
//
// Faults and errors never stop the GPU (a non-stalling SMMU, as msm configures it): a command
// whose DMA faults is abandoned (no partial data moves for the faulting chunk; earlier chunks
// of a COPY/FILL/ALU have landed) and recorded; the IOMMU has already reported the fault to
// the domain's handler. An illegal command ends the buffer it is in. Only a fault fetching
// from the ring itself stops RunRing (the GPU would hang).
//
// Modelled: command fetch and execution order, DMA through the IOMMU, fence writes after every
// earlier command, interrupts as synchronous callbacks. Not modelled: timing, parallel
// engines, preemption, hang detection and recovery. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dmakit/core/addr.h"
#include "dmakit/core/result.h"
#include "dmakit/core/symbol.h"
#include "dmakit/gpu/command_stream.h"
#include "dmakit/iommu/iommu.h"

namespace dmakit {

struct CpError {
  enum class Kind : uint8_t { kFault, kIllegalCommand };
  Kind kind = Kind::kFault;
  DmaAddr command;  // GPU address of the command
  GpuOpcode op = GpuOpcode::kNop;
  std::string message;
};

struct CpCounters {
  uint64_t commands = 0;
  uint64_t bytes_read = 0;     // data moved by DMA reads (fetches included)
  uint64_t bytes_written = 0;  // by DMA writes
  uint64_t interrupts = 0;
};

class CommandProcessor {
 public:
  // Bytes moved per DMA burst of COPY / FILL / ALU.
  static constexpr uint64_t kBurstBytes = 64 * 1024;
  using IrqHandler = std::function<void(uint32_t fence_value)>;

  CommandProcessor(Iommu& iommu, Symbol device) : iommu_(iommu), device_(device) {}

  void SetIrqHandler(IrqHandler handler) { irq_ = std::move(handler); }

  // Executes the ring at `ring` (`ring_bytes` long, a multiple of 4) from `rptr` to `wptr`
  // (byte offsets) and returns the new read pointer (== wptr). Errors: kInvalidArgument
  // (pointers unaligned or outside the ring), kFault (fetching from the ring faulted: the read
  // pointer stays at the faulting command), kOutOfRange / kInvalidArgument (an illegal command
  // in the ring itself).
  Result<uint32_t> RunRing(DmaAddr ring, uint32_t ring_bytes, uint32_t rptr, uint32_t wptr);
  // Executes one buffer of commands (what INDIRECT does). Errors are recorded, not returned.
  void ExecuteBuffer(DmaAddr addr, uint32_t bytes);

  const std::vector<CpError>& errors() const { return errors_; }
  const CpCounters& counters() const { return counters_; }
  Symbol device() const { return device_; }

 private:
  // Executes one decoded command found at `at`; `in_ring` allows WRAP/INDIRECT.
  void Execute(const GpuCommand& cmd, DmaAddr at, bool in_ring);
  Status Copy(DmaAddr dst, DmaAddr src, uint64_t bytes);
  Status Fill(DmaAddr dst, uint64_t bytes, uint32_t value);
  Status Alu(AluOp op, DmaAddr dst, uint64_t bytes, uint32_t constant);
  Status Read(DmaAddr addr, std::span<uint8_t> out);
  Status Write(DmaAddr addr, std::span<const uint8_t> data);
  void Record(CpError::Kind kind, DmaAddr at, GpuOpcode op, std::string message);

  Iommu& iommu_;
  Symbol device_;
  IrqHandler irq_;
  std::vector<CpError> errors_;
  CpCounters counters_;
  std::vector<uint8_t> burst_;
};

}  // namespace dmakit
