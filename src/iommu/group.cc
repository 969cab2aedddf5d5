#include "dmakit/iommu/group.h"

#include <fmt/format.h>

namespace dmakit {

std::string_view ToString(GroupOwner owner) {
  switch (owner) {
    case GroupOwner::kNone:
      return "none";
    case GroupOwner::kDmaApi:
      return "dma-api";
    case GroupOwner::kDriver:
      return "driver";
  }
  return "?";
}

std::string IommuGroup::Describe() const {
  std::string names;
  for (const Symbol& d : devices_) {
    if (!names.empty()) names += ", ";
    names += d.str();
  }
  return fmt::format("group {} ({})", id_, names);
}

}  // namespace dmakit
