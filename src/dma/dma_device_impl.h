// DmaDevice::Impl: what a DmaDevice knows about its platform (internal; built by DmaSystem).
#pragma once

#include <memory>

#include "dma_backend.h"
#include "dmakit/dma/dma_device.h"
#include "dmakit/iommu/domain.h"
#include "dmakit/iommu/iommu.h"
#include "dmakit/iommu/topology.h"
#include "dmakit/sim/bus_master.h"
#include "live_mapping_table.h"

namespace dmakit {

struct DmaDevice::Impl {
  DeviceNode node;              // the DMA node: coherency and segment limits
  BusMaster* master = nullptr;  // the device's port on the bus
  Iommu* iommu = nullptr;       // behind an IOMMU
  // The DMA API's default domain. Attached for Probe(); for ProbeUnmanaged() it exists but is
  // not attached (the driver attaches its own), as a Linux group's default domain.
  std::unique_ptr<IommuDomain> domain;
  bool unmanaged = false;  // probed by ProbeUnmanaged
  std::unique_ptr<DmaBackend> backend;
  LiveMappingTable live;
};

}  // namespace dmakit
