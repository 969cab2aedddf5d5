// EventSink and EventBus: the one-way pipe from the system to its observers.
#pragma once

#include <cstdint>
#include <vector>

#include "dmakit/core/event.h"

namespace dmakit {

// Something that consumes events: the checker, the trace recorder, the timeline, a test.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // Called once per event, in emission order. The event is only valid during the call.
  virtual void OnEvent(const Event& event) = 0;
  // The run is over (end of a scenario or a trace): report what is still live.
  virtual void OnEnd() {}
};

// Fans each event out to every subscribed sink, in subscription order, and numbers events.
// Sinks are not owned and must outlive the bus or unsubscribe first. Not thread-safe: one bus
// belongs to one simulated system, which runs on one thread.
class EventBus final : public EventSink {
 public:
  void Subscribe(EventSink* sink);
  void Unsubscribe(EventSink* sink);
  bool has_sinks() const { return !sinks_.empty(); }

  // Assigns the next sequence number to `event` and delivers it.
  void Emit(Event& event);
  void Emit(Event&& event) { Emit(event); }
  // EventSink: forwards an event keeping its sequence number (a bus can feed a bus).
  void OnEvent(const Event& event) override;
  void OnEnd() override;

  uint64_t next_seq() const { return next_seq_; }

 private:
  std::vector<EventSink*> sinks_;
  uint64_t next_seq_ = 1;
};

// A sink that keeps every event (tests, small runs).
class EventLog final : public EventSink {
 public:
  void OnEvent(const Event& event) override { events_.push_back(event); }
  const std::vector<Event>& events() const { return events_; }
  std::vector<Event> OfKind(EventKind kind) const;
  size_t Count(EventKind kind) const;
  void Clear() { events_.clear(); }

 private:
  std::vector<Event> events_;
};

}  // namespace dmakit
