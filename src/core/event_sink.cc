#include "dmakit/core/event_sink.h"

#include <algorithm>

namespace dmakit {

void EventBus::Subscribe(EventSink* sink) {
  if (std::find(sinks_.begin(), sinks_.end(), sink) == sinks_.end()) sinks_.push_back(sink);
}

void EventBus::Unsubscribe(EventSink* sink) {
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void EventBus::Emit(Event& event) {
  event.seq = next_seq_++;
  for (EventSink* sink : sinks_) sink->OnEvent(event);
}

void EventBus::OnEvent(const Event& event) {
  if (event.seq >= next_seq_) next_seq_ = event.seq + 1;
  for (EventSink* sink : sinks_) sink->OnEvent(event);
}

void EventBus::OnEnd() {
  for (EventSink* sink : sinks_) sink->OnEnd();
}

std::vector<Event> EventLog::OfKind(EventKind kind) const {
  std::vector<Event> out;
  for (const Event& e : events_) {
    if (e.kind == kind) out.push_back(e);
  }
  return out;
}

size_t EventLog::Count(EventKind kind) const {
  return static_cast<size_t>(std::count_if(events_.begin(), events_.end(),
                                           [&](const Event& e) { return e.kind == kind; }));
}

}  // namespace dmakit
