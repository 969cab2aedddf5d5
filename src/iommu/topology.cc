#include "dmakit/iommu/topology.h"

#include <fmt/format.h>

namespace dmakit {

Status Topology::AddNode(DeviceNode node) {
  auto bad = [&](std::string_view what) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("device node '{}': {}", node.name, what));
  };
  if (node.name.empty()) return bad("empty name");
  if (node.dma_mask == 0) return bad("dma_mask: 0");
  if (node.max_seg_size == 0) return bad("max_seg_size: 0");
  if ((node.seg_boundary & (node.seg_boundary + 1)) != 0) {
    return bad(fmt::format("seg_boundary {:#x}: not of the form 2^n - 1", node.seg_boundary));
  }
  if (nodes_.count(node.name)) {
    return Error(ErrorCode::kAlreadyExists, fmt::format("device node '{}' exists", node.name));
  }
  if (!node.parent.empty() && !nodes_.count(node.parent)) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("device node '{}': no parent '{}'", node.name, node.parent));
  }
  order_.push_back(node.name);
  std::string name = node.name;
  nodes_.emplace(std::move(name), std::move(node));
  return Ok();
}

const DeviceNode* Topology::Find(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::vector<std::string> Topology::Children(const std::string& name) const {
  std::vector<std::string> out;
  for (const std::string& n : order_) {
    if (nodes_.at(n).parent == name) out.push_back(n);
  }
  return out;
}

Result<const DeviceNode*> Topology::DmaNodeFor(const std::string& name) const {
  const DeviceNode* self = Find(name);
  if (self == nullptr) {
    return Error(ErrorCode::kNotFound, fmt::format("no device node '{}'", name));
  }
  if (self->iommu) return self;
  std::vector<std::string> level = Children(name);
  while (!level.empty()) {
    const DeviceNode* found = nullptr;
    std::vector<std::string> next;
    for (const std::string& n : level) {
      const DeviceNode* node = Find(n);
      if (node->iommu) {
        if (found != nullptr) {
          return Error(ErrorCode::kFailedPrecondition,
                       fmt::format("device node '{}': sub-devices '{}' and '{}' both carry an "
                                   "IOMMU attachment; name the one to use",
                                   name, found->name, node->name));
        }
        found = node;
      }
      for (std::string& c : Children(n)) next.push_back(std::move(c));
    }
    if (found != nullptr) return found;
    level = std::move(next);
  }
  for (const DeviceNode* p = Find(self->parent); p != nullptr; p = Find(p->parent)) {
    if (p->iommu) return p;
  }
  return self;
}

void Topology::Announce(EventBus& bus) const {
  for (const std::string& n : order_) {
    const DeviceNode& node = nodes_.at(n);
    Event e;
    e.kind = EventKind::kDeviceAdd;
    e.device = Symbol(node.name);
    e.coherent = node.coherent;
    e.dma_mask = node.dma_mask;
    e.max_seg_size = node.max_seg_size;
    e.seg_boundary = node.seg_boundary;
    auto dma = DmaNodeFor(n);
    if (dma.ok() && (*dma)->iommu) e.text = Symbol((*dma)->name);
    bus.Emit(e);
  }
}

}  // namespace dmakit
