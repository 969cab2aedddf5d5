// Reading the platform's `gpu` section: the GPU's device nodes (the node the driver binds to,
// and on the sub-device hardware generation the node that carries the IOMMU attachment) and
// the driver's options. Kept out of the loader so that the loader only calls it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <set>
#include <string>

#include "dmakit/core/result.h"
#include "dmakit/scenario/scenario.h"
#include "yaml_args.h"

namespace dmakit::scenario {

// `node` is the value of platform.gpu (undefined or null: no GPU). Appends the GPU's nodes to
// `s.devices` (and their names to `devices`) and sets `s.gpu`. Errors (kParse, at the value's
// file:line:col): the section's key errors, a node name already taken, an unknown parent,
// iommu or hack_device, a ring size that is not a non-zero multiple of 4 KiB, an empty or
// unaligned address-space region, or regions that overlap.
Status ReadGpuPlatform(const YamlReader& y, const YAML::Node& node, Scenario& s,
                       std::set<std::string>& devices, const std::set<std::string>& iommus);

}  // namespace dmakit::scenario
