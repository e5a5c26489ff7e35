// Time comes in through this interface (LevelDB's Env, Envoy's TimeSource), so
// that nothing in core or policy reads the system clock directly and tests
// drive time with SimulatedClock.
#ifndef MESHPLANE_COMMON_CLOCK_H_
#define MESHPLANE_COMMON_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace meshplane {

// A source of the current time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Returns the current time.
  virtual absl::Time Now() const = 0;
};

// The real wall clock. Thread-safe; use Clock::Real() for the process-wide one.
class SystemClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// Returns a process-wide SystemClock that lives forever.
Clock& RealClock();

// A clock that only moves when told to. Thread-safe.
class SimulatedClock : public Clock {
 public:
  explicit SimulatedClock(absl::Time start = absl::FromUnixSeconds(1767225600))
      : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshplane

#endif  // MESHPLANE_COMMON_CLOCK_H_
