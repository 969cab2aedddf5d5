// Rng: a small, fast, seeded generator (xoshiro256**, seeded through splitmix64) whose output
// is the same on every compiler and standard library. std::uniform_int_distribution is
// implementation-defined, so the simulator never uses <random> distributions: a run is
// reproducible from its seed everywhere.
#pragma once

#include <cstdint>

namespace dmakit {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0);

  uint64_t Next();
  // Uniform in [0, bound); bound must be non-zero.
  uint64_t Below(uint64_t bound);
  // Uniform in [lo, hi] inclusive.
  uint64_t Between(uint64_t lo, uint64_t hi);
  // True with probability num/den.
  bool Chance(uint64_t num, uint64_t den);
  // An independent generator derived from this one (for a sub-component).
  Rng Fork();

 private:
  uint64_t s_[4];
};

}  // namespace dmakit
