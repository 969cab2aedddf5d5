#include "gpu_platform.h"

#include <fmt/format.h>

namespace dmakit::scenario {
namespace {

CleanMethod CleanOf(const std::string& text) {
  if (text == "skip") return CleanMethod::kSkip;
  if (text == "dma_sync_sg_for_device") return CleanMethod::kDmaSyncSgForDevice;
  if (text == "dma_map_sg") return CleanMethod::kDmaMapSg;
  return CleanMethod::kPrepareCpuMapping;
}

// A region of the GPU address space: non-empty and page-aligned.
Result<DmaRange> Region(const YamlReader& y, const Args& a, std::string_view which) {
  const uint64_t base = a.Number(fmt::format("{}_base", which));
  const uint64_t size = a.Number(fmt::format("{}_size", which));
  if (size == 0 || base % kPageSize != 0 || size % kPageSize != 0 || base + size < base) {
    return y.At(a.Get(fmt::format("{}_size", which)).where,
                fmt::format("the GPU's {} region [{:#x}, +{:#x}) must be non-empty, 4 KiB "
                            "aligned and inside the 64-bit space",
                            which, base, size));
  }
  return DmaRange(DmaAddr(base), size);
}

}  // namespace

Status ReadGpuPlatform(const YamlReader& y, const YAML::Node& node, Scenario& s,
                       std::set<std::string>& devices, const std::set<std::string>& iommus) {
  if (!node.IsDefined() || node.IsNull()) return Ok();
  Args a = DMAKIT_TRY(y.Read(node, "platform.gpu", "platform gpu"));
  GpuSpec g;
  g.where = a.where;
  g.device = a.Text("name");
  g.iommu = a.Text("iommu");
  if (iommus.count(g.iommu) == 0) {
    return y.At(a.Get("iommu").where,
                fmt::format("unknown iommu '{}' in platform gpu (declare it under platform: "
                            "iommus)",
                            g.iommu));
  }
  DeviceNode gpu;
  gpu.name = g.device;
  gpu.coherent = a.Number("coherent") != 0;
  if (a.Has("parent")) {
    gpu.parent = a.Text("parent");
    if (devices.count(gpu.parent) == 0) {
      return y.At(a.Get("parent").where,
                  fmt::format("parent '{}' of the GPU is not a device listed under platform: "
                              "devices",
                              gpu.parent));
    }
  }
  const uint64_t stream_id = a.Number("stream_id");
  if (stream_id > UINT32_MAX) {
    return y.At(a.Get("stream_id").where,
                fmt::format("'stream_id' in platform gpu: {} does not fit in 32 bits", stream_id));
  }
  const IommuAttachment attachment{g.iommu, static_cast<uint32_t>(stream_id)};
  std::vector<DeviceNode> nodes;
  if (a.Text("iommu_on") == "sub_device") {
    DeviceNode sub;
    sub.name = a.Has("sub_device") ? a.Text("sub_device") : g.device + "-cx";
    sub.parent = g.device;
    sub.coherent = gpu.coherent;
    sub.iommu = attachment;
    gpu.coherent = false;  // the GPU node itself does no DMA: the sub-device does
    nodes = {gpu, sub};
  } else {
    if (a.Has("sub_device")) {
      return y.At(a.Get("sub_device").where,
                  "'sub_device' in platform gpu needs iommu_on: "
                  "sub_device");
    }
    gpu.iommu = attachment;
    nodes = {gpu};
  }
  for (DeviceNode& n : nodes) {
    if (!devices.insert(n.name).second) {
      return y.At(a.Get("name").where,
                  fmt::format("the GPU's device node '{}' is already a device name", n.name));
    }
    s.devices.push_back(std::move(n));
  }
  GpuOptions& o = g.options;
  o.clean = CleanOf(a.Text("clean"));
  if (a.Has("hack_device")) {
    o.hack_device = a.Text("hack_device");
    if (devices.count(o.hack_device) == 0) {
      return y.At(a.Get("hack_device").where,
                  fmt::format("unknown device '{}' for hack_device in platform gpu (declare it "
                              "under platform: devices)",
                              o.hack_device));
    }
  }
  const uint64_t ring = a.Number("ring_bytes");
  if (ring == 0 || ring % kPageSize != 0 || ring > UINT32_MAX) {
    return y.At(
        a.Get("ring_bytes").where,
        fmt::format("ring_bytes {} in platform gpu must be a non-zero multiple of 4 KiB", ring));
  }
  o.ring_bytes = static_cast<uint32_t>(ring);
  o.layout.kernel = DMAKIT_TRY(Region(y, a, "kernel"));
  o.layout.user = DMAKIT_TRY(Region(y, a, "user"));
  if (o.layout.kernel.Overlaps(o.layout.user)) {
    return y.At(a.Get("user_base").where,
                "the GPU's kernel and user regions overlap (platform gpu: kernel_base/size, "
                "user_base/size)");
  }
  s.gpu = std::move(g);
  return Ok();
}

}  // namespace dmakit::scenario
