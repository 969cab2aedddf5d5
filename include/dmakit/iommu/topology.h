// Topology: the platform's device tree, as far as DMA cares.
//
// Named device nodes with a parent, their coherency, DMA mask, max segment size and segment
// boundary, and, on the nodes that have one, the IOMMU attachment (IOMMU name + stream ID).
// The attachment sits on the node a driver binds to, or on a sub-device of it (the seed: on
// some GPU generations on the GPU's node, on others on a child node).
//
// DmaNodeFor(name) answers "which node do I hand to the IOMMU / DMA layer for this device?",
// by this rule:
//   1. the node itself, when it carries an attachment;
//   2. else its descendants, breadth first: the nearest depth that has nodes with an
//      attachment must have exactly one (two at the same depth is ambiguous: an error);
//   3. else its ancestors, nearest first (a device behind a bridge that has the IOMMU);
//   4. else the node itself (no IOMMU: direct DMA).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dmakit/core/event_sink.h"
#include "dmakit/core/result.h"

namespace dmakit {

struct IommuAttachment {
  std::string iommu;  // the Iommu's name
  uint32_t stream_id = 0;
};

struct DeviceNode {
  std::string name;
  std::string parent;                      // empty: a root node
  bool coherent = false;                   // DMA snoops the CPU cache
  uint64_t dma_mask = 0xffff'ffffull;      // highest address the device can put on the bus
  uint64_t max_seg_size = 64 * 1024;       // bytes, largest sg segment
  uint64_t seg_boundary = 0xffff'ffffull;  // a segment may not cross a (mask + 1) boundary
  std::optional<IommuAttachment> iommu;
};

class Topology {
 public:
  // Errors: kInvalidArgument (empty name; dma_mask 0; max_seg_size 0; seg_boundary not of
  // the form 2^n - 1), kAlreadyExists (name taken), kNotFound (parent not added yet).
  Status AddNode(DeviceNode node);

  // nullptr when unknown.
  const DeviceNode* Find(const std::string& name) const;
  std::vector<std::string> Children(const std::string& name) const;

  // See the rule above. Errors: kNotFound (unknown node), kFailedPrecondition (two
  // descendants at the same depth carry an attachment: ambiguous).
  Result<const DeviceNode*> DmaNodeFor(const std::string& name) const;

  // One kDeviceAdd per node, in insertion order: device, coherent, dma_mask, max_seg_size,
  // seg_boundary, text = the node DmaNodeFor picks when it carries an attachment, else empty.
  void Announce(EventBus& bus) const;

  size_t size() const { return order_.size(); }

 private:
  std::map<std::string, DeviceNode> nodes_;
  std::vector<std::string> order_;
};

}  // namespace dmakit
