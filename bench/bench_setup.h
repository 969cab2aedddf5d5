// Setup helpers shared by the benchmarks: a benchmark whose setup fails has nothing to
// measure, so it says why on stderr and aborts.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "dmakit/core/result.h"

namespace dmakit {

inline void Must(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "benchmark setup failed: %s\n", s.error().ToString().c_str());
    std::abort();
  }
}

template <typename T>
T Must(Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "benchmark setup failed: %s\n", r.error().ToString().c_str());
    std::abort();
  }
  return std::move(r).value();
}

}  // namespace dmakit
