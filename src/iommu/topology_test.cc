#include "dmakit/iommu/topology.h"

#include <gtest/gtest.h>

#include "dmakit/core/event_sink.h"

namespace dmakit {
namespace {

DeviceNode Node(std::string name, std::string parent = "",
                std::optional<IommuAttachment> iommu = std::nullopt) {
  DeviceNode n;
  n.name = std::move(name);
  n.parent = std::move(parent);
  n.iommu = std::move(iommu);
  return n;
}

// One GPU generation: the IOMMU is on the node the DRM driver binds to.
TEST(Topology, IommuOnTheGpuNodeResolvesToTheNodeItself) {
  Topology t;
  ASSERT_TRUE(t.AddNode(Node("soc")).ok());
  ASSERT_TRUE(t.AddNode(Node("gpu", "soc", IommuAttachment{"smmu0", 4})).ok());
  ASSERT_TRUE(t.AddNode(Node("gpu-gmu", "gpu")).ok());
  EXPECT_EQ(t.DmaNodeFor("gpu").value()->name, "gpu");
}

// Another generation: the IOMMU is on a sub-device of the GPU's node.
TEST(Topology, IommuOnASubDeviceResolvesToTheSubDevice) {
  Topology t;
  ASSERT_TRUE(t.AddNode(Node("soc")).ok());
  ASSERT_TRUE(t.AddNode(Node("gpu", "soc")).ok());
  ASSERT_TRUE(t.AddNode(Node("gpu-cfg", "gpu")).ok());
  ASSERT_TRUE(t.AddNode(Node("gpu-mmu", "gpu", IommuAttachment{"smmu0", 7})).ok());
  auto n = t.DmaNodeFor("gpu");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)->name, "gpu-mmu");
  EXPECT_EQ((*n)->iommu->stream_id, 7u);
}

TEST(Topology, DeviceBehindABridgeUsesTheNearestAncestorsIommu) {
  Topology t;
  ASSERT_TRUE(t.AddNode(Node("pcie", "", IommuAttachment{"smmu1", 1})).ok());
  ASSERT_TRUE(t.AddNode(Node("bridge", "pcie")).ok());
  ASSERT_TRUE(t.AddNode(Node("nic", "bridge")).ok());
  EXPECT_EQ(t.DmaNodeFor("nic").value()->name, "pcie");
}

TEST(Topology, DeviceWithoutIommuResolvesToItself) {
  Topology t;
  ASSERT_TRUE(t.AddNode(Node("uart")).ok());
  const DeviceNode* n = t.DmaNodeFor("uart").value();
  EXPECT_EQ(n->name, "uart");
  EXPECT_FALSE(n->iommu.has_value());
}

TEST(Topology, TwoSubDevicesWithIommusAtOneDepthAreAmbiguous) {
  Topology t;
  ASSERT_TRUE(t.AddNode(Node("gpu")).ok());
  ASSERT_TRUE(t.AddNode(Node("a", "gpu", IommuAttachment{"smmu0", 1})).ok());
  ASSERT_TRUE(t.AddNode(Node("b", "gpu", IommuAttachment{"smmu0", 2})).ok());
  EXPECT_EQ(t.DmaNodeFor("gpu").error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(t.DmaNodeFor("nope").error().code(), ErrorCode::kNotFound);
}

TEST(Topology, AddNodeRejectsBadNodes) {
  Topology t;
  ASSERT_TRUE(t.AddNode(Node("soc")).ok());
  EXPECT_EQ(t.AddNode(Node("")).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.AddNode(Node("soc")).error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(t.AddNode(Node("x", "missing")).error().code(), ErrorCode::kNotFound);
  DeviceNode bad = Node("y");
  bad.seg_boundary = 0x1000;
  EXPECT_EQ(t.AddNode(bad).error().code(), ErrorCode::kInvalidArgument);
  bad = Node("y");
  bad.dma_mask = 0;
  EXPECT_EQ(t.AddNode(bad).error().code(), ErrorCode::kInvalidArgument);
  bad = Node("y");
  bad.max_seg_size = 0;
  EXPECT_EQ(t.AddNode(bad).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.size(), 1u);
}

TEST(Topology, AnnounceEmitsOneDeviceAddPerNode) {
  Topology t;
  DeviceNode gpu = Node("gpu");
  gpu.coherent = false;
  gpu.dma_mask = (1ull << 40) - 1;
  gpu.max_seg_size = 1ull << 20;
  ASSERT_TRUE(t.AddNode(gpu).ok());
  ASSERT_TRUE(t.AddNode(Node("gpu-mmu", "gpu", IommuAttachment{"smmu0", 7})).ok());
  ASSERT_TRUE(t.AddNode(Node("uart")).ok());
  EventBus bus;
  EventLog log;
  bus.Subscribe(&log);
  t.Announce(bus);
  auto adds = log.OfKind(EventKind::kDeviceAdd);
  ASSERT_EQ(adds.size(), 3u);
  EXPECT_EQ(adds[0].device.view(), "gpu");
  EXPECT_EQ(adds[0].text.view(), "gpu-mmu");
  EXPECT_EQ(adds[0].dma_mask, (1ull << 40) - 1);
  EXPECT_EQ(adds[0].max_seg_size, 1ull << 20);
  EXPECT_FALSE(adds[0].coherent);
  EXPECT_EQ(adds[1].text.view(), "gpu-mmu");
  EXPECT_TRUE(adds[2].text.empty());
}

}  // namespace
}  // namespace dmakit
