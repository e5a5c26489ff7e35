// NotificationRecorder: collects what a store::Listener delivers, for the
// contract suite and for the PostgreSQL listener tests.
#ifndef MESHPLANE_TESTS_TESTING_STORE_CONTRACT_NOTIFICATION_RECORDER_H_
#define MESHPLANE_TESTS_TESTING_STORE_CONTRACT_NOTIFICATION_RECORDER_H_

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

#include "meshplane/store/store.h"

namespace meshplane::store_contract {

// Collects what a Listener delivers. Thread-safe: the handler runs on the
// listener's thread while the test reads.
class NotificationRecorder {
 public:
  using Notification = store::Listener::Notification;

  store::Listener::Handler Handler() {
    return [this](const Notification& n) {
      absl::MutexLock lock(&mu_);
      got_.push_back(n);
    };
  }

  std::vector<Notification> got() {
    absl::MutexLock lock(&mu_);
    return got_;
  }

  // Payloads received on `channel`, in order.
  std::vector<std::string> Payloads(const std::string& channel) {
    std::vector<std::string> out;
    for (const auto& n : got()) {
      if (!n.resync && n.channel == channel) out.push_back(n.payload);
    }
    return out;
  }

  int resyncs() {
    int n = 0;
    for (const auto& x : got()) n += x.resync ? 1 : 0;
    return n;
  }

  // Polls (bounded) until `done` holds; delivery is asynchronous for a real
  // database.
  bool WaitUntil(const std::function<bool()>& done,
                 absl::Duration timeout = absl::Seconds(20)) {
    absl::Time deadline = absl::Now() + timeout;
    while (!done()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return true;
  }

  bool WaitForPayload(const std::string& channel, const std::string& payload,
                      absl::Duration timeout = absl::Seconds(20)) {
    return WaitUntil(
        [&] {
          auto p = Payloads(channel);
          return std::find(p.begin(), p.end(), payload) != p.end();
        },
        timeout);
  }

 private:
  absl::Mutex mu_;
  std::vector<Notification> got_ ABSL_GUARDED_BY(mu_);
};

}  // namespace meshplane::store_contract

#endif  // MESHPLANE_TESTS_TESTING_STORE_CONTRACT_NOTIFICATION_RECORDER_H_
