// Eventually(): polling for what a server does asynchronously (NOTIFY
// reaching another replica, a readiness probe flipping, a delivery retried).
//
//   ASSERT_TRUE(Eventually([&] { return Metrics(port)["x"] == 1; }));
//   EXPECT_TRUE(Eventually([&] { return Ready(); }, absl::Seconds(30)));
#ifndef MESHPLANE_TESTS_TESTING_SERVER_EVENTUALLY_H_
#define MESHPLANE_TESTS_TESTING_SERVER_EVENTUALLY_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace meshplane::testing {

// Calls `done` every 20 ms until it returns true or `timeout` has passed;
// its last answer.
template <typename F>
bool Eventually(F done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_SERVER_EVENTUALLY_H_
