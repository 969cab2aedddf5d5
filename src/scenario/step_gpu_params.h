// The parameters of the GPU step kinds (sections "step.gpu_*" of the params table), kept
// beside step_gpu.cc; the step table (step_kinds.cc) holds their entries.
#pragma once

#include <string_view>

#include "dmakit/scenario/params.h"

namespace dmakit::scenario::gpu_params {

using T = ParamType;
using R = RefKind;

// The tables read best one entry per line.
// clang-format off
inline constexpr std::string_view kDir = "to_device|from_device|bidirectional";

inline constexpr ParamSpec kBoCreate[] = {
    {"step.gpu_bo_create", "size", T::kSize, "", "bytes", "Bytes, rounded up to whole pages (scattered)", true},
    {"step.gpu_bo_create", "caching", T::kEnum, "cached", "", "Memory type of the CPU view (MSM_BO_CACHED / WC / UNCACHED)", false, "cached|write_combine|uncached"},
    {"step.gpu_bo_create", "dir", T::kEnum, "bidirectional", "", "Direction of the GPU mapping", false, kDir},
    {"step.gpu_bo_create", "gpu_read_only", T::kBool, "false", "", "Map for the GPU without write permission"},
    {"step.gpu_bo_create", "as", T::kDef, "", "", "Buffer object name (also its name in fault reports)", true, "", R::kBo},
};
inline constexpr ParamSpec kContextCreate[] = {
    {"step.gpu_context_create", "as", T::kDef, "", "", "Context name (each context has its own GPU address space, ring and fence)", true, "", R::kGpuContext},
};
inline constexpr ParamSpec kPin[] = {
    {"step.gpu_pin", "bo", T::kRef, "", "", "Buffer object pinned into the GPU's user region", true, "", R::kBo},
    {"step.gpu_pin", "context", T::kRef, "", "", "Context whose address space it is pinned into (default: the first context)", false, "", R::kGpuContext},
};
inline constexpr ParamSpec kUnpin[] = {
    {"step.gpu_unpin", "bo", T::kRef, "", "", "Buffer object unpinned (its last fence must have signaled)", true, "", R::kBo},
};
inline constexpr ParamSpec kMmap[] = {
    {"step.gpu_mmap", "bo", T::kRef, "", "", "Buffer object given a CPU view (cleaned first by the platform's `clean` method)", true, "", R::kBo},
};
inline constexpr ParamSpec kCpuPrep[] = {
    {"step.gpu_cpu_prep", "bo", T::kRef, "", "", "Buffer object the CPU takes (after its last fence)", true, "", R::kBo},
    {"step.gpu_cpu_prep", "op", T::kEnum, "", "", "What the CPU will do (MSM_PREP_READ / WRITE)", true, "read|write|read_write"},
    {"step.gpu_cpu_prep", "offset", T::kSize, "0", "bytes", "Start of the range"},
    {"step.gpu_cpu_prep", "size", T::kSize, "", "bytes", "Bytes (default: the rest of the buffer)"},
};
inline constexpr ParamSpec kCpuFini[] = {
    {"step.gpu_cpu_fini", "bo", T::kRef, "", "", "Buffer object given back to the GPU", true, "", R::kBo},
};
inline constexpr ParamSpec kCpuWrite[] = {
    {"step.gpu_cpu_write", "bo", T::kRef, "", "", "Buffer object stored to through its CPU view", true, "", R::kBo},
    {"step.gpu_cpu_write", "offset", T::kSize, "0", "bytes", "Where in the buffer"},
    {"step.gpu_cpu_write", "size", T::kSize, "", "bytes", "Bytes written (default: length of `bytes`, else the rest)"},
    {"step.gpu_cpu_write", "pattern", T::kUint, "0xa5", "", "Byte value written (when no `bytes`)"},
    {"step.gpu_cpu_write", "bytes", T::kBytes, "", "hex", "Data written, repeated to `size`"},
};
inline constexpr ParamSpec kCpuRead[] = {
    {"step.gpu_cpu_read", "bo", T::kRef, "", "", "Buffer object loaded from through its CPU view", true, "", R::kBo},
    {"step.gpu_cpu_read", "offset", T::kSize, "0", "bytes", "Where in the buffer"},
    {"step.gpu_cpu_read", "size", T::kSize, "", "bytes", "Bytes read (default: the rest)"},
    {"step.gpu_cpu_read", "as", T::kDef, "", "", "Label for `expect: reads`", false, "", R::kRead},
};
inline constexpr ParamSpec kEmit[] = {
    {"step.gpu_emit", "cmd", T::kRef, "", "", "Command buffer the command is stored into (through its CPU view)", true, "", R::kBo},
    {"step.gpu_emit", "op", T::kEnum, "", "", "write_imm: store `value` at dst; copy: src -> dst; fill: `value` into each word; add/xor: each word op `value`", true, "write_imm|copy|fill|add|xor"},
    {"step.gpu_emit", "dst", T::kRef, "", "", "Destination buffer object (pinned)", true, "", R::kBo},
    {"step.gpu_emit", "dst_offset", T::kSize, "0", "bytes", "Start in dst"},
    {"step.gpu_emit", "src", T::kRef, "", "", "copy: source buffer object (pinned)", false, "", R::kBo},
    {"step.gpu_emit", "src_offset", T::kSize, "0", "bytes", "copy: start in src"},
    {"step.gpu_emit", "size", T::kSize, "", "bytes", "Bytes (default: the rest of dst); fill/add/xor: a multiple of 4"},
    {"step.gpu_emit", "value", T::kUint, "0", "", "32-bit immediate: the stored word, fill word or ALU constant"},
};
inline constexpr ParamSpec kSubmit[] = {
    {"step.gpu_submit", "cmd", T::kRef, "", "", "Command buffer whose commands emitted since its last submission run", true, "", R::kBo},
    {"step.gpu_submit", "as", T::kDef, "", "", "Name of the submission's fence", true, "", R::kFence},
    {"step.gpu_submit", "context", T::kRef, "", "", "Context whose ring runs it; every buffer it uses must be pinned there (default: the first context)", false, "", R::kGpuContext},
    {"step.gpu_submit", "rewind", T::kBool, "false", "", "The next gpu_emit writes from the buffer's start again (wait for this fence first)"},
};
inline constexpr ParamSpec kWait[] = {
    {"step.gpu_wait", "fence", T::kRef, "", "", "Fence waited for (the GPU runs until it signals)", true, "", R::kFence},
};
inline constexpr ParamSpec kFree[] = {
    {"step.gpu_free", "bo", T::kRef, "", "", "Buffer object freed (kept until its last fence signals)", true, "", R::kBo},
};
inline constexpr ParamSpec kHackSyncSg[] = {
    {"step.gpu_hack_sync_sg_for_device", "bo", T::kRef, "", "", "Buffer object whose sg table is synced, never DMA-mapped", true, "", R::kBo},
    {"step.gpu_hack_sync_sg_for_device", "device", T::kRef, "", "", "Device called (default: the platform gpu's hack_device)", false, "", R::kDevice},
};
inline constexpr ParamSpec kHackMapSg[] = {
    {"step.gpu_hack_map_sg", "bo", T::kRef, "", "", "Buffer object whose sg table is DMA-mapped (its DMA side is overwritten)", true, "", R::kBo},
    {"step.gpu_hack_map_sg", "device", T::kRef, "", "", "Device called (default: the platform gpu's hack_device)", false, "", R::kDevice},
};
// clang-format on

}  // namespace dmakit::scenario::gpu_params
