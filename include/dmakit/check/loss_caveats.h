// Loss caveats: which verdicts a gap in the event stream could have produced.
//
// The checker judges a call against the history it saw. When the history has a gap (a kernel
// trace that lost events), a verdict can be an artefact of the gap: an unmap of a mapping
// whose map was lost reads as a free of unknown memory, a lost unmap reads as a leak or an
// overlap. A verdict is in doubt when some gap may lie between the start of the history it
// rests on and the call it judges:
//   - the history starts at the mapping the violation concerns (Violation::mapping_seq), or
//     at the start of the stream when it concerns none;
//   - the call is Violation::seq, or the end of the stream for end-of-run reports (seq 0);
//   - a gap (EventLoss) may hold events from just after since_seq to just after after_seq.
// So a verdict is in doubt when some gap has since_seq < seq (or seq is 0) and
// after_seq >= mapping_seq. The rules decided by the call alone, against the platform
// (DMA001 map-outside-ram, DMA002 and DMA003 on sg segments), are never in doubt.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "dmakit/check/violation.h"
#include "dmakit/core/event_loss.h"

namespace dmakit {

// True when `rule`'s verdict rests on the history of earlier calls, not on the call alone.
bool RuleNeedsHistory(RuleId rule);

// Sets Violation::caveat on every violation in doubt ("in doubt: the kernel lost 120 events
// after event #6 (trace line 57); ..."), leaves the others untouched, and returns how many
// it marked. `losses` must be ordered by after_seq (TraceReadSummary keeps them so).
// O((violations + gaps) * log(gaps)).
size_t AddLossCaveats(std::span<const EventLoss> losses, std::vector<Violation>& violations);

}  // namespace dmakit
