// Private to src/store/postgres: the Listener of PostgresStore.
#ifndef MESHPLANE_STORE_POSTGRES_LISTENER_H_
#define MESHPLANE_STORE_POSTGRES_LISTENER_H_

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

#include "meshplane/store/store.h"

namespace meshplane::store::pg {

// LISTENs on a connection of its own (never one from the pool: a pooled
// connection is reset between transactions, and a listening one must stay
// open). One thread per listener waits on the socket in short slices of
// `poll_interval` so that the destructor stops it promptly. Any libpqxx
// error closes the connection and reports it lost; the thread then
// reconnects with backoff (`min_backoff` doubling to `max_backoff`), LISTENs
// again and reports a resync. Handler exceptions are swallowed: the handler
// owns its failures. Logs nothing (the store never logs); connected() is the
// observable state.
//
// Thread-safe. The handler is called on the listener's thread only, never
// concurrently with itself.
class PostgresListener : public Listener {
 public:
  struct Options {
    absl::Duration poll_interval = absl::Milliseconds(200);
    absl::Duration min_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(5);
  };

  // `url`: a libpq URI or key=value string (with connect_timeout); the
  // listener adds application_name=meshplane-listener unless it is set.
  explicit PostgresListener(const std::string& url);
  PostgresListener(const std::string& url, Options options);
  ~PostgresListener() override;

  PostgresListener(const PostgresListener&) = delete;
  PostgresListener& operator=(const PostgresListener&) = delete;

  // INVALID_ARGUMENT for a null handler or a channel name that is empty or
  // longer than 63 bytes; FAILED_PRECONDITION when called a second time.
  // Returns at once: the thread connects in the background.
  absl::Status Start(std::vector<std::string> channels,
                     Handler handler) override;
  bool connected() const override { return connected_.load(); }

  // The application_name the listening connection sets.
  static constexpr char kApplicationName[] = "meshplane-listener";

 private:
  void Run();
  // One connection's life: connect, LISTEN, resync, deliver until the
  // connection breaks or Stop. Returns whether it got connected.
  bool Session();
  void Deliver(const Notification& n);
  bool stopping();
  // Sleeps `d` or until the destructor asks to stop.
  void Pause(absl::Duration d);

  const std::string url_;
  const Options options_;
  std::vector<std::string> channels_;  // set by Start, then read-only
  Handler handler_;                    // set by Start, then read-only
  std::atomic<bool> connected_{false};
  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace meshplane::store::pg

#endif  // MESHPLANE_STORE_POSTGRES_LISTENER_H_
