// The checker's rules: stable IDs, short names, a one-line summary and a longer explanation.
//
// IDs never change meaning once published (reports, suppressions and scenario expectations
// name them). DMA0xx are the rules of Linux's dma-debug, fired by the same calls; DMA1xx are
// the rules dma-debug cannot check because it does not see CPU and device accesses, caches,
// or IOMMU page tables.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dmakit/core/event.h"

namespace dmakit {

enum class RuleId : uint8_t {
  // --- dma-debug parity ---
  kMapOutsideRam,             // DMA001
  kSgSegmentTooLong,          // DMA002
  kSgSegmentCrossesBoundary,  // DMA003
  kOverlappingMapping,        // DMA004
  kFreeUnknown,               // DMA005
  kUnmapSizeMismatch,         // DMA006
  kUnmapWrongFunction,        // DMA007
  kFreeCpuAddressMismatch,    // DMA008
  kUnmapSgNentsMismatch,      // DMA009
  kUnmapDirectionMismatch,    // DMA010
  kMappingErrorUnchecked,     // DMA011
  kSyncNotMapped,             // DMA012
  kSyncOutsideRange,          // DMA013
  kSyncDirectionMismatch,     // DMA014
  kSyncReadOnlyForCpu,        // DMA015
  kSyncWriteOnlyForDevice,    // DMA016
  kSyncSgNentsMismatch,       // DMA017
  kLiveAtDeviceRelease,       // DMA018
  kLeakAtEnd,                 // DMA019
  // --- beyond dma-debug ---
  kCpuAccessDeviceOwned,         // DMA101
  kDeviceAccessNotOwned,         // DMA102
  kDeviceWriteToDevice,          // DMA103
  kCacheLineSharing,             // DMA104
  kAttributeAlias,               // DMA105
  kAttributeChangeWithoutClean,  // DMA106
  kDmaApiOnUnmanagedDomain,      // DMA107
  kStaleIotlbAccess,             // DMA108
  kIommuMapOverLive,             // DMA109
  kIommuUnmapNothing,            // DMA110
  kPageTableWriteNotCleaned,     // DMA111
  kPageFreedWhileMapped,         // DMA112
  kCpuWriteDiscarded,            // DMA113
};
inline constexpr int kRuleCount = static_cast<int>(RuleId::kCpuWriteDiscarded) + 1;

struct RuleInfo {
  RuleId rule;
  std::string_view id;       // "DMA001"
  std::string_view name;     // "map-outside-ram"
  std::string_view summary;  // one line, for `dmakit explain` listings and report headers
  std::string_view explain;  // what it means, why it matters on non-coherent hardware, the fix
};

const RuleInfo& Info(RuleId rule);
inline std::string_view RuleCode(RuleId rule) { return Info(rule).id; }
inline std::string_view RuleName(RuleId rule) { return Info(rule).name; }

// Accepts the ID ("DMA012", any case) or the short name ("sync-not-mapped").
std::optional<RuleId> ParseRule(std::string_view text);

// The rules that fire on the absence of events of `kind` (DMA011: no kDmaMappingError between
// a map and its unmap). An input that cannot record `kind` cannot decide them; a checker of
// such input should suppress them. Empty for every other kind.
std::span<const RuleId> RulesNeedingEvent(EventKind kind);

}  // namespace dmakit
