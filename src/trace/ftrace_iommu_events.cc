// The `iommu` tracepoints (include/trace/events/iommu.h). Their fields start with "IOMMU:".
#include <fmt/format.h>

#include "trace/ftrace_decoder.h"

namespace dmakit::trace_internal {
namespace {

constexpr uint64_t kFaultWrite = 0x1;  // IOMMU_FAULT_WRITE

bool HasIommuTag(const FtraceFields& f) { return f.Positional(0).starts_with("IOMMU:"); }

}  // namespace

bool FtraceDecoder::IommuMap(Event& e) {
  // "IOMMU: iova=0x.. paddr=0x.. size=N"; newer kernels add " - 0x<end>" after iova.
  uint64_t iova = 0, paddr = 0;
  if (!HasIommuTag(fields_)) return Fail("fields do not start with 'IOMMU:'");
  if (!Hex(FieldKey::kIova, &iova) || !Hex(FieldKey::kPaddr, &paddr) ||
      !Number(FieldKey::kSize, &e.size))
    return false;
  e.dma = DmaAddr(iova);
  e.phys = PhysAddr(paddr);
  return true;
}

bool FtraceDecoder::IommuUnmap(Event& e) {
  uint64_t iova = 0, unmapped = 0;
  if (!HasIommuTag(fields_)) return Fail("fields do not start with 'IOMMU:'");
  if (!Hex(FieldKey::kIova, &iova) || !Number(FieldKey::kSize, &e.size) ||
      !Number(FieldKey::kUnmappedSize, &unmapped)) {
    return false;
  }
  e.dma = DmaAddr(iova);
  e.failed = unmapped == 0;  // nothing was mapped there
  return true;
}

bool FtraceDecoder::IommuDevice(Event& e) {
  const std::string_view* dev = fields_.Get(FieldKey::kDevice);
  if (!HasIommuTag(fields_)) return Fail("fields do not start with 'IOMMU:'");
  if (dev == nullptr || dev->empty()) return Fail("missing field 'device'");
  e.device = Intern(*dev);
  return true;
}

bool FtraceDecoder::IommuGroup(Event& e, std::string_view name) {
  uint64_t group = 0;
  if (!IommuDevice(e) || !Number(FieldKey::kGroupId, &group)) return false;
  e.text = Symbol(fmt::format("{} group={}", name, group));
  return true;
}

bool FtraceDecoder::IommuFault(Event& e) {
  // "IOMMU:<driver> <device> iova=0x.. flags=0x..": the driver is glued to the tag.
  uint64_t iova = 0, flags = 0;
  if (!HasIommuTag(fields_)) return Fail("fields do not start with 'IOMMU:'");
  const std::string_view dev = fields_.Positional(1);
  if (dev.empty()) return Fail("missing device name");
  if (!Hex(FieldKey::kIova, &iova) || !Hex(FieldKey::kFlags, &flags)) return false;
  e.device = Intern(dev);
  e.dma = DmaAddr(iova);
  e.access = (flags & kFaultWrite) != 0 ? Access::kWrite : Access::kRead;
  e.text = Symbol(fmt::format("driver={} flags={:#x}", fields_.Positional(0).substr(6), flags));
  return true;
}

}  // namespace dmakit::trace_internal
