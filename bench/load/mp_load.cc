// mp_load: an asynchronous gRPC load client for meshplaned (and for the bare
// echo_server it is compared with). It keeps exactly --inflight unary calls
// outstanding for a fixed time (after a warm-up) or a fixed count, records
// the latency of every call, and prints one line for people and one JSON
// line for scripts.
//
//   mp_load --target 127.0.0.1:50051 --token "$T" --method create
//           --inflight 16 --duration 10s --warmup 2s --domain bench
//           --team bench
//
// Methods:
//   create  CreateDataProduct with a fresh product id and request id per call,
//           each product with two output ports.
//   get     first creates --get-products products, then GetDataProduct on
//           random ones.
//   echo    EchoService/Echo (bench/load/echo.proto) with --echo-payload
//           bytes; point it at echo_server.
//   publish PublishContract: version 1.0.0 of a fresh ODCS contract per call
//           (--contract-properties properties in 4 objects), owned by one
//           product that the set-up creates.
//   contract-check  PublishContract with validate_only, the CI check: a
//           compatible 1.1.0 of one published contract, compared,
//           impact-checked and governed, nothing written.
//   access  CheckAccess of a user on a port it has a grant on, over the
//           registry scripts/bench-server.sh seeds for its "access" phase
//           (10,000 ports, 100,000 grants); as the bootstrap admin.
//   team-create  not a measurement but a careful client (retry_load.h):
//           --inflight synchronous workers create teams PREFIX-wNN-N, one
//           request id per team, resending a call whose outcome is unknown
//           (UNAVAILABLE, ABORTED, DEADLINE_EXCEEDED, a reset stream) with
//           the same request id and backoff, up to --max-attempts calls.
//           Writes a JSON summary (--summary) and the ids it believes it
//           created (--ids-out); exits 1 if any write failed or looked
//           duplicated. The kill test (tests/e2e/cluster_kill_test.sh)
//           checks its belief against the database.
// For create and get, the team and domain are created first when absent
// (--setup), so a fresh server needs nothing else but the admin token.
//
// Transports (create and get only):
//   --transport grpc  (default) the calls above over gRPC at --target.
//   --transport http --http-target HOST:PORT  the same calls over the
//           REST/JSON API on meshplaned's --http-listen (docs/api.md):
//           get is GET /v1/domains/{d}/dataProducts/{p}; create is
//           POST /v1/domains/{d}/dataProducts?dataProductId=..&requestId=..
//           with the product FillProduct builds for gRPC, printed by
//           protobuf's JSON printer, and a fresh request id per call. Both
//           send "Authorization: Bearer <token>". Each in-flight slot is a
//           thread with one persistent HTTP/1.1 connection (keep-alive,
//           TCP_NODELAY); warm-up, window and output are as for gRPC, and
//           errors are counted by HTTP status ("HTTP_404") or by the
//           client's failure ("HTTP_Connection"). The set-up (team, domain,
//           the products get reads) still goes over gRPC at --target, so
//           both addresses are needed.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "bench/load/echo.grpc.pb.h"
#include "bench/load/load_stats.h"
#include "bench/load/retry_load.h"
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <sys/resource.h>

#include "meshplane/v1/access.grpc.pb.h"
#include "meshplane/v1/contract.grpc.pb.h"
#include "meshplane/v1/data_product.grpc.pb.h"
#include "meshplane/v1/domain.grpc.pb.h"
#include "meshplane/v1/policy.grpc.pb.h"
#include "meshplane/v1/team.grpc.pb.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "Server address.");
ABSL_FLAG(std::string, token, "",
          "Bearer token (default: env MESHPLANE_TOKEN). Not needed for echo.");
ABSL_FLAG(std::string, method, "get",
          "create | get | echo | publish | contract-check | access | "
          "team-create");
ABSL_FLAG(std::string, transport, "grpc",
          "grpc | http: how create and get reach the server (http: the "
          "REST/JSON API under /v1/ at --http-target; set-up stays on gRPC).");
ABSL_FLAG(std::string, http_target, "",
          "--transport http: HOST:PORT of meshplaned's --http-listen.");
ABSL_FLAG(int, contract_properties, 40,
          "publish/check: properties per contract (in 4 objects).");
ABSL_FLAG(int, inflight, 16, "Calls kept outstanding at all times.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10),
          "Length of the measured window.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(2),
          "Load before the measured window; its calls are not counted.");
ABSL_FLAG(int64_t, count, 0,
          "If > 0: make exactly this many calls (no warm-up) instead of "
          "running for --duration.");
ABSL_FLAG(int, threads, 1,
          "Client threads, each with its own completion queue; the in-flight "
          "calls are spread over them.");
ABSL_FLAG(int, channels, 1,
          "HTTP/2 connections; calls are spread over them round-robin.");
ABSL_FLAG(std::string, domain, "bench", "Domain id of the products.");
ABSL_FLAG(std::string, team, "bench", "Owner team id of the products.");
ABSL_FLAG(bool, setup, true,
          "create/get: create the team and the domain if they do not exist.");
ABSL_FLAG(int, get_products, 1000,
          "get: how many products to create before the run.");
ABSL_FLAG(int, echo_payload, 0, "echo: payload bytes per request.");
ABSL_FLAG(int, policies, 0,
          "Setup: make sure global policies bench-p0000.. up to this count "
          "exist; one in ten applies to dataproduct.create (and holds for the "
          "products mp_load creates), the others have other triggers.");
ABSL_FLAG(std::string, cpu_watch, "",
          "Also report the CPU time these processes use in the measured "
          "window: NAME=PID[,NAME=PID...]; a PID ending in '+' counts its "
          "children too (for a PostgreSQL postmaster: the backends).");
ABSL_FLAG(std::string, ids, "spread",
          "Product ids: 'spread' (a bijective hash of a counter first, so "
          "that concurrent creates land on different index pages, as real "
          "names do) or 'sequential' (PREFIX-0, PREFIX-1, ...: every insert "
          "on the same, rightmost index page; the worst case for "
          "SERIALIZABLE's page-level predicate locks).");
ABSL_FLAG(std::string, id_prefix, "",
          "Prefix of product ids (default: random, so runs never collide).");
ABSL_FLAG(int, max_attempts, 30,
          "team-create: calls per logical write, the first included, before "
          "the client gives up on it.");
ABSL_FLAG(std::string, summary, "",
          "team-create: also write the JSON summary to this file.");
ABSL_FLAG(std::string, ids_out, "",
          "team-create: write the ids of the teams the client believes it "
          "created to this file, one a line.");
ABSL_FLAG(double, rate, 0,
          "team-create: start at most this many writes a second, evenly "
          "spaced (0: as fast as --inflight workers go).");
ABSL_FLAG(std::string, timeline, "",
          "team-create: write every call as a line `START_MS END_MS CODE` "
          "(Unix milliseconds) to this file, for a failover's timeline.");

namespace meshplane::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
namespace v1 = ::meshplane::v1;

constexpr std::chrono::seconds kCallDeadline(30);

// One outstanding-call slot. Start() begins a fresh RPC whose completion is
// reported on `cq` with `this` as the tag; the slot is reused for the next
// call once that completion has been processed.
class Call {
 public:
  virtual ~Call() = default;
  virtual void Start(grpc::CompletionQueue* cq) = 0;
  // Sends the last request again (same request id: AIP-155 makes it safe).
  virtual void Resend(grpc::CompletionQueue* cq) = 0;
  virtual int64_t RequestBytes() const = 0;
  virtual int64_t ResponseBytes() const = 0;
  const grpc::Status& status() const { return status_; }
  SteadyClock::time_point start() const { return start_; }

 protected:
  grpc::Status status_;
  SteadyClock::time_point start_;
};

template <typename Req, typename Resp>
class UnaryCall final : public Call {
 public:
  using Prepare =
      std::function<std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>>(
          grpc::ClientContext*, const Req&, grpc::CompletionQueue*)>;
  using Fill = std::function<void(Req*)>;

  UnaryCall(Prepare prepare, Fill fill, const std::string* bearer)
      : prepare_(std::move(prepare)), fill_(std::move(fill)), bearer_(bearer) {}

  void Start(grpc::CompletionQueue* cq) override {
    request_.Clear();
    fill_(&request_);
    Resend(cq);
  }

  void Resend(grpc::CompletionQueue* cq) override {
    // The reader lives in the old call's arena: drop it before the context
    // that owns that call.
    reader_.reset();
    context_ = std::make_unique<grpc::ClientContext>();
    if (!bearer_->empty()) {
      context_->AddMetadata("authorization", *bearer_);
    }
    context_->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    response_.Clear();
    start_ = SteadyClock::now();
    reader_ = prepare_(context_.get(), request_, cq);
    reader_->StartCall();
    reader_->Finish(&response_, &status_, this);
  }

  int64_t RequestBytes() const override {
    return static_cast<int64_t>(request_.ByteSizeLong());
  }
  int64_t ResponseBytes() const override {
    return static_cast<int64_t>(response_.ByteSizeLong());
  }

 private:
  Prepare prepare_;
  Fill fill_;
  const std::string* bearer_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> reader_;
  Req request_;
  Resp response_;
};

using CallFactory = std::function<std::unique_ptr<Call>(int slot)>;

struct PhaseConfig {
  int inflight = 1;
  int threads = 1;
  absl::Duration warmup;
  absl::Duration duration;
  int64_t count = 0;  // > 0: count mode
  // Resend a call that failed with ABORTED (a conflict the server gave up
  // on), up to this many times, as a well-behaved client would; 0 for the
  // measured runs, which report such errors instead.
  int abort_retries = 0;
};

// Samples CPU counters at the edges of the measured window.
class CpuWatch {
 public:
  struct Target {
    std::string name;
    int pid = 0;
    bool with_children = false;
  };

  // Parses "NAME=PID[+],..."; false on a malformed entry.
  bool Parse(const std::string& spec) {
    for (absl::string_view item :
         absl::StrSplit(spec, ',', absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv = absl::StrSplit(item, '=');
      Target t;
      t.name = kv.first;
      std::string pid = kv.second;
      if (!pid.empty() && pid.back() == '+') {
        t.with_children = true;
        pid.pop_back();
      }
      t.pid = std::atoi(pid.c_str());
      if (t.name.empty() || t.pid <= 0) {
        return false;
      }
      targets_.push_back(t);
    }
    return true;
  }

  std::map<std::string, double> Sample() const {
    std::map<std::string, double> out;
    rusage self{};
    getrusage(RUSAGE_SELF, &self);
    out["client"] = self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
                    self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6;
    for (const Target& t : targets_) {
      out[t.name] = ProcessCpuSeconds(t.pid, t.with_children);
    }
    return out;
  }

  static std::map<std::string, double> Diff(
      const std::map<std::string, double>& before,
      const std::map<std::string, double>& after) {
    std::map<std::string, double> out;
    for (const auto& [name, v] : after) {
      auto it = before.find(name);
      if (it != before.end() && it->second >= 0 && v >= 0) {
        out[name] = v - it->second;
      }
    }
    return out;
  }

 private:
  std::vector<Target> targets_;
};

struct PhaseOutput {
  std::vector<int64_t> latencies_ns;
  std::map<std::string, int64_t> errors;
  std::map<std::string, std::string> first_error;
  int64_t ok = 0;
  int64_t completed_total = 0;  // every completed call, warm-up included
  double seconds = 0;
  int64_t request_bytes = 0;
  int64_t response_bytes = 0;
  bool sized = false;  // request_bytes and response_bytes are set
  std::map<std::string, double> cpu_seconds;

  // Counts a failed call of `code`; the first of each code keeps `message`.
  void AddError(const std::string& code, const std::string& message) {
    if (errors[code]++ == 0) {
      first_error[code] = message;
    }
  }

  // Adds what one worker counted.
  void Merge(const PhaseOutput& local) {
    latencies_ns.insert(latencies_ns.end(), local.latencies_ns.begin(),
                        local.latencies_ns.end());
    ok += local.ok;
    completed_total += local.completed_total;
    for (const auto& [code, n] : local.errors) {
      errors[code] += n;
    }
    for (const auto& [code, msg] : local.first_error) {
      first_error.emplace(code, msg);
    }
    if (local.sized) {  // a GET has no body: request_bytes 0 is a size too
      request_bytes = local.request_bytes;
      response_bytes = local.response_bytes;
      sized = true;
    }
  }
};

// The measuring window of a phase, shared by the gRPC and HTTP runners:
// warm-up, then the window; count mode hands out exactly `count` tickets,
// time mode stops issuing at the end of the window.
struct PhaseWindow {
  explicit PhaseWindow(const PhaseConfig& config)
      : count_mode(config.count > 0),
        count(config.count),
        begin(SteadyClock::now()),
        measure_start(count_mode
                          ? begin
                          : begin + absl::ToChronoNanoseconds(config.warmup)),
        measure_end(measure_start +
                    absl::ToChronoNanoseconds(config.duration)) {}

  bool TakeTicket(SteadyClock::time_point now) {
    if (count_mode) {
      return issued.fetch_add(1) < count;
    }
    return now < measure_end;
  }

  // Whether a call that completes at `now` counts.
  bool Measures(SteadyClock::time_point now) const {
    return count_mode || (now >= measure_start && now < measure_end);
  }

  // Notes a worker's last completion at `now` (count mode's window ends
  // with the last of them).
  void NoteLastCompletion(SteadyClock::time_point now) {
    const int64_t ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - begin)
            .count();
    int64_t prev = last_completion_ns.load();
    while (prev < ns && !last_completion_ns.compare_exchange_weak(prev, ns)) {
    }
  }

  // The end of a phase, for the gRPC and the HTTP runners alike: the
  // calling thread samples the CPU counters at the window's edges (in count
  // mode at the end of the last call), joins the workers, and sets the
  // window's length in `out`.
  void Finish(const CpuWatch* cpu, absl::Duration duration,
              std::vector<std::thread>& workers, PhaseOutput& out) {
    std::map<std::string, double> cpu_before;
    if (cpu != nullptr) {
      std::this_thread::sleep_until(measure_start);
      cpu_before = cpu->Sample();
      if (!count_mode) {
        std::this_thread::sleep_until(measure_end);
        out.cpu_seconds = CpuWatch::Diff(cpu_before, cpu->Sample());
      }
    }
    for (std::thread& w : workers) {
      w.join();
    }
    if (cpu != nullptr && count_mode) {
      out.cpu_seconds = CpuWatch::Diff(cpu_before, cpu->Sample());
    }
    out.seconds = count_mode ? last_completion_ns.load() / 1e9
                             : absl::ToDoubleSeconds(duration);
  }

  const bool count_mode;
  const int64_t count;
  const SteadyClock::time_point begin;
  const SteadyClock::time_point measure_start;
  const SteadyClock::time_point measure_end;
  std::atomic<int64_t> issued{0};
  std::atomic<int64_t> last_completion_ns{0};
};

// Runs one phase: each thread owns a completion queue and a share of the
// slots, and restarts a slot as soon as its call completes, so exactly
// `inflight` calls are outstanding until the phase ends. Only calls that
// complete inside the measured window count.
PhaseOutput RunPhase(const CallFactory& make_call, const PhaseConfig& config,
                     const CpuWatch* cpu = nullptr) {
  const int threads = std::max(1, std::min(config.threads, config.inflight));
  PhaseWindow window(config);

  std::mutex mu;
  PhaseOutput out;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    const int slots =
        config.inflight / threads + (t < config.inflight % threads ? 1 : 0);
    const int first_slot = t * (config.inflight / threads) +
                           std::min(t, config.inflight % threads);
    workers.emplace_back([&, slots, first_slot] {
      PhaseOutput local;
      local.latencies_ns.reserve(1 << 16);
      grpc::CompletionQueue cq;
      std::vector<std::unique_ptr<Call>> calls;
      int active = 0;
      for (int s = 0; s < slots; ++s) {
        calls.push_back(make_call(first_slot + s));
        if (window.TakeTicket(SteadyClock::now())) {
          calls.back()->Start(&cq);
          ++active;
        }
      }
      std::map<Call*, int> retries;
      while (active > 0) {
        void* tag = nullptr;
        bool ok = false;
        if (!cq.Next(&tag, &ok)) {
          break;
        }
        const SteadyClock::time_point now = SteadyClock::now();
        Call* call = static_cast<Call*>(tag);
        if (call->status().error_code() == grpc::StatusCode::ABORTED &&
            retries[call]++ < config.abort_retries) {
          call->Resend(&cq);
          continue;
        }
        retries[call] = 0;
        ++local.completed_total;
        if (window.Measures(now)) {
          if (call->status().ok()) {
            local.latencies_ns.push_back(
                std::chrono::duration_cast<std::chrono::nanoseconds>(
                    now - call->start())
                    .count());
            ++local.ok;
            if (!local.sized) {
              local.request_bytes = call->RequestBytes();
              local.response_bytes = call->ResponseBytes();
              local.sized = true;
            }
          } else {
            local.AddError(StatusCodeName(call->status().error_code()),
                           call->status().error_message());
          }
        }
        if (window.TakeTicket(now)) {
          call->Start(&cq);
        } else {
          --active;
          window.NoteLastCompletion(now);
        }
      }
      cq.Shutdown();
      void* tag = nullptr;
      bool ok = false;
      while (cq.Next(&tag, &ok)) {
      }
      std::lock_guard<std::mutex> lock(mu);
      out.Merge(local);
    });
  }
  window.Finish(cpu, config.duration, workers, out);
  return out;
}

// Sends one HTTP request on `client` (a fresh one each call: new product
// id and request id for create, a random product for get) and stores the
// size of its body in `request_bytes`.
using HttpSend = std::function<httplib::Result(httplib::Client* client,
                                               int64_t* request_bytes)>;

// The error key of an HTTP call that did not answer 200: "HTTP_404", or the
// client's own failure ("HTTP_Connection") when no answer came back.
std::string HttpErrorName(const httplib::Result& res) {
  return res ? absl::StrCat("HTTP_", res->status)
             : absl::StrCat("HTTP_", httplib::to_string(res.error()));
}

// RunPhase for --transport http: cpp-httplib's client is synchronous, so
// each in-flight slot is a thread with one persistent HTTP/1.1 connection
// (keep-alive, TCP_NODELAY) that sends its next request as soon as the
// last one is answered; exactly `inflight` requests are outstanding, with
// the same warm-up, window and counting as the gRPC phases.
PhaseOutput RunHttpPhase(const std::string& host, int port,
                         const HttpSend& send, const PhaseConfig& config,
                         const CpuWatch* cpu = nullptr) {
  PhaseWindow window(config);

  std::mutex mu;
  PhaseOutput out;
  std::vector<std::thread> workers;
  for (int w = 0; w < config.inflight; ++w) {
    workers.emplace_back([&] {
      PhaseOutput local;
      local.latencies_ns.reserve(1 << 14);
      httplib::Client client(host, port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      client.set_connection_timeout(10, 0);
      client.set_read_timeout(
          std::chrono::duration_cast<std::chrono::seconds>(kCallDeadline)
              .count(),
          0);
      client.set_write_timeout(
          std::chrono::duration_cast<std::chrono::seconds>(kCallDeadline)
              .count(),
          0);
      SteadyClock::time_point now = SteadyClock::now();
      while (window.TakeTicket(now)) {
        int64_t request_bytes = 0;
        const SteadyClock::time_point start = SteadyClock::now();
        httplib::Result res = send(&client, &request_bytes);
        now = SteadyClock::now();
        ++local.completed_total;
        if (!window.Measures(now)) {
          continue;
        }
        if (res && res->status == 200) {
          local.latencies_ns.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(now - start)
                  .count());
          ++local.ok;
          if (!local.sized) {
            local.request_bytes = request_bytes;
            local.response_bytes = static_cast<int64_t>(res->body.size());
            local.sized = true;
          }
        } else {
          local.AddError(HttpErrorName(res),
                         res ? res->body.substr(0, 300) : "");
        }
      }
      window.NoteLastCompletion(now);
      std::lock_guard<std::mutex> lock(mu);
      out.Merge(local);
    });
  }
  window.Finish(cpu, config.duration, workers, out);
  return out;
}

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(
    const std::string& target, int n) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < std::max(1, n); ++i) {
    grpc::ChannelArguments args;
    // Distinct arguments and a local subchannel pool: one TCP connection per
    // channel instead of one shared by all.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("meshplane.bench.channel", i);
    channels.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

std::string RandomLowercase(int n) {
  absl::BitGen gen;
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += static_cast<char>('a' + absl::Uniform(gen, 0, 26));
  }
  return s;
}

// splitmix64's finaliser: a bijection on 64 bits, so distinct counters give
// distinct ids.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

std::string RandomUuid() {
  thread_local absl::BitGen gen;
  return NewRequestId(gen);
}

// A registration as a domain team's CI would send it: two output ports,
// tags, labels, objectives (about 600 bytes on the wire).
void FillProduct(const std::string& domain, const std::string& team,
                 const std::string& id, v1::CreateDataProductRequest* req) {
  req->set_parent(absl::StrCat("domains/", domain));
  req->set_data_product_id(id);
  req->set_request_id(RandomUuid());
  v1::DataProduct* p = req->mutable_data_product();
  p->set_display_name(absl::StrCat("Load test product ", id));
  p->set_description(
      "Orders placed on the web shop, one row per order line, refreshed "
      "hourly. Created by mp_load.");
  p->set_owner_team(absl::StrCat("teams/", team));
  p->set_tier(2);
  p->set_classification(v1::CLASSIFICATION_INTERNAL);
  p->add_tags("bench");
  p->add_tags("orders");
  (*p->mutable_labels())["source"] = "mp_load";
  (*p->mutable_labels())["cost-center"] = "cc-1234";
  v1::OutputPort* table = p->add_output_ports();
  table->set_id("orders-v1");
  table->set_display_name("Orders (table)");
  table->set_type("table");
  table->set_server("postgres://warehouse.internal:5432/sales");
  table->set_location("sales.orders_v1");
  table->set_description("One row per order line.");
  table->mutable_objectives()->set_availability_percent(99.9);
  table->mutable_objectives()->mutable_max_staleness()->set_seconds(3600);
  v1::OutputPort* topic = p->add_output_ports();
  topic->set_id("orders-stream");
  topic->set_display_name("Orders (stream)");
  topic->set_type("topic");
  topic->set_server("kafka://broker.internal:9092");
  topic->set_location("sales.orders.v1");
  topic->set_description("Order events as they happen.");
}

// An ODCS v3 contract as a producing team would write it: `properties`
// typed, described properties in 4 objects, a quality rule on every fifth,
// two SLA properties. About 100 bytes a property.
std::string ContractYaml(const std::string& id, const std::string& version,
                         int properties, bool extra_property) {
  std::string out = absl::StrCat(
      "apiVersion: v3.0.2\nkind: DataContract\nid: ", id,
      "\nname: Load test contract\nversion: ", version,
      "\nstatus: active\ndescription:\n  purpose: Generated by mp_load.\n"
      "schema:\n");
  const int objects = 4;
  for (int o = 0; o < objects; ++o) {
    absl::StrAppend(&out, "  - name: table_", o, "\n    physicalType: table\n",
                    "    properties:\n");
    for (int p = o; p < properties; p += objects) {
      absl::StrAppend(
          &out, "      - name: column_", p, "\n",
          "        logicalType: ", p % 3 == 0 ? "integer" : "string",
          "\n        required: ", p % 4 == 0 ? "true" : "false",
          "\n        description: generated column ", p, "\n");
      if (p % 5 == 0) {
        absl::StrAppend(&out,
                        "        quality:\n          - metric: nullValues\n"
                        "            mustBeLessThan: 10\n");
      }
    }
    if (extra_property && o == 0) {
      absl::StrAppend(&out, "      - name: added_later\n",
                      "        logicalType: string\n");
    }
  }
  absl::StrAppend(&out,
                  "slaProperties:\n  - property: latency\n    value: 4\n"
                  "    unit: h\n  - property: retention\n    value: 1\n"
                  "    unit: y\n");
  return out;
}

bool Ok(const grpc::Status& s) {
  return s.ok() || s.error_code() == grpc::StatusCode::ALREADY_EXISTS;
}

// Creates the team and the domain of the run if absent.
bool Setup(const std::shared_ptr<grpc::Channel>& channel,
           const std::string& bearer, const std::string& domain,
           const std::string& team) {
  {
    auto stub = v1::TeamService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", bearer);
    ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    v1::CreateTeamRequest req;
    req.set_team_id(team);
    req.mutable_team()->set_display_name("mp_load team");
    v1::Team resp;
    grpc::Status s = stub->CreateTeam(&ctx, req, &resp);
    if (!Ok(s)) {
      std::cerr << "mp_load: CreateTeam teams/" << team << ": "
                << StatusCodeName(s.error_code()) << ": " << s.error_message()
                << "\n";
      return false;
    }
  }
  {
    auto stub = v1::DomainService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", bearer);
    ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    v1::CreateDomainRequest req;
    req.set_domain_id(domain);
    req.mutable_domain()->set_display_name("mp_load domain");
    req.mutable_domain()->set_owner_team(absl::StrCat("teams/", team));
    v1::Domain resp;
    grpc::Status s = stub->CreateDomain(&ctx, req, &resp);
    if (!Ok(s)) {
      std::cerr << "mp_load: CreateDomain domains/" << domain << ": "
                << StatusCodeName(s.error_code()) << ": " << s.error_message()
                << "\n";
      return false;
    }
  }
  const std::string method = absl::GetFlag(FLAGS_method);
  if (method == "publish" || method == "contract-check") {
    // The product that owns the contracts, with a port that promises the
    // checked one and a reader of that port (so impact has work to do).
    auto stub = v1::DataProductService::NewStub(channel);
    for (const char* id : {"contracts-home", "contracts-reader"}) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", bearer);
      ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
      v1::CreateDataProductRequest req;
      req.set_parent(absl::StrCat("domains/", domain));
      req.set_data_product_id(id);
      v1::DataProduct* p = req.mutable_data_product();
      p->set_owner_team(absl::StrCat("teams/", team));
      if (std::string(id) == "contracts-home") {
        v1::OutputPort* port = p->add_output_ports();
        port->set_id("checked-v1");
        port->set_contract("mp-load-checked");
      } else {
        v1::InputPort* in = p->add_input_ports();
        in->set_id("checked");
        in->set_source(absl::StrCat("domains/", domain,
                                    "/dataProducts/contracts-home/outputPorts/"
                                    "checked-v1"));
      }
      v1::DataProduct resp;
      grpc::Status s = stub->CreateDataProduct(&ctx, req, &resp);
      if (!Ok(s)) {
        std::cerr << "mp_load: CreateDataProduct " << id << ": "
                  << StatusCodeName(s.error_code()) << ": " << s.error_message()
                  << "\n";
        return false;
      }
    }
  }
  const int policies = absl::GetFlag(FLAGS_policies);
  if (policies > 0) {
    auto stub = v1::PolicyService::NewStub(channel);
    static const char* kOtherTriggers[] = {
        "domain.create",         "domain.update",    "dataproduct.update",
        "dataproduct.lifecycle", "contract.publish", "access.request"};
    for (int i = 0; i < policies; ++i) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", bearer);
      ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
      v1::CreatePolicyRequest req;
      req.set_policy_id(absl::StrFormat("bench-p%04d", i));
      v1::Policy* p = req.mutable_policy();
      if (i % 10 == 0) {
        // Realistic, and true for the products this client creates.
        p->add_triggers("dataproduct.create");
        p->set_condition(absl::StrFormat(
            "has(resource.description) && size(resource.output_ports) > 0 && "
            "resource.output_ports.all(o, o.id.size() < 64) && "
            "resource.tier <= %d",
            3 + i));
      } else {
        p->add_triggers(kOtherTriggers[i % 6]);
        p->set_condition(
            "has(resource.name) && resource.name.startsWith('domains/')");
      }
      p->set_effect(v1::POLICY_EFFECT_DENY);
      p->set_message(absl::StrCat("bench policy ", i));
      p->set_owner(absl::StrCat("teams/", team));
      v1::Policy resp;
      grpc::Status s = stub->CreatePolicy(&ctx, req, &resp);
      if (!Ok(s)) {
        std::cerr << "mp_load: CreatePolicy " << req.policy_id() << ": "
                  << StatusCodeName(s.error_code()) << ": " << s.error_message()
                  << "\n";
        return false;
      }
    }
  }
  return true;
}

void PrintErrors(const PhaseOutput& out) {
  for (const auto& [code, msg] : out.first_error) {
    std::cerr << "mp_load: " << out.errors.at(code) << " x " << code
              << ", first: " << msg << "\n";
  }
}

// --method team-create: the retrying client of the kill test.
int RunTeamCreate(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                  const std::string& bearer, const std::string& prefix) {
  RetryLoadConfig config;
  config.workers = absl::GetFlag(FLAGS_inflight);
  config.count = absl::GetFlag(FLAGS_count);
  config.duration = absl::GetFlag(FLAGS_duration);
  config.max_attempts = std::max(1, absl::GetFlag(FLAGS_max_attempts));
  config.bearer = bearer;
  config.id_prefix = prefix;
  config.rate = absl::GetFlag(FLAGS_rate);
  const std::string timeline = absl::GetFlag(FLAGS_timeline);
  config.record_attempts = !timeline.empty();
  RetryLoadResult r = RunRetryingTeamCreates(channels, config);
  if (!timeline.empty()) {
    std::ofstream f(timeline);
    for (const RetryAttempt& a : r.attempts) {
      f << a.start_unix_ms << " " << a.end_unix_ms << " " << a.code << "\n";
    }
    if (!f) {
      std::cerr << "mp_load: cannot write " << timeline << "\n";
      return 1;
    }
  }
  const std::string json = RetryLoadJson(r, config.workers);
  for (const auto& [code, msg] : r.first_error) {
    std::cerr << "mp_load: first " << code << ": " << msg << "\n";
  }
  std::cout << absl::StrFormat(
                   "team-create workers=%d sent=%d succeeded=%d failed=%d "
                   "retried=%d (%d extra calls, at most %d calls for one) "
                   "duplicate-signals=%d in %.1fs",
                   config.workers, r.sent, r.succeeded, r.failed, r.retried,
                   r.retry_attempts, r.max_attempts_used, r.duplicate_signals,
                   r.seconds)
            << "\n"
            << json << std::endl;
  const std::string summary = absl::GetFlag(FLAGS_summary);
  if (!summary.empty()) {
    std::ofstream f(summary);
    f << json << "\n";
    if (!f) {
      std::cerr << "mp_load: cannot write " << summary << "\n";
      return 1;
    }
  }
  const std::string ids_out = absl::GetFlag(FLAGS_ids_out);
  if (!ids_out.empty()) {
    std::ofstream f(ids_out);
    for (const std::string& id : r.succeeded_ids) {
      f << id << "\n";
    }
    if (!f) {
      std::cerr << "mp_load: cannot write " << ids_out << "\n";
      return 1;
    }
  }
  return r.failed == 0 && r.duplicate_signals == 0 && r.sent > 0 ? 0 : 1;
}

int Main() {
  const std::string target = absl::GetFlag(FLAGS_target);
  const std::string method = absl::GetFlag(FLAGS_method);
  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty() && std::getenv("MESHPLANE_TOKEN") != nullptr) {
    token = std::getenv("MESHPLANE_TOKEN");
  }
  const std::string bearer = token.empty() ? "" : "Bearer " + token;
  const std::string domain = absl::GetFlag(FLAGS_domain);
  const std::string team = absl::GetFlag(FLAGS_team);
  const int inflight = absl::GetFlag(FLAGS_inflight);
  if (inflight < 1) {
    std::cerr << "mp_load: --inflight must be >= 1\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_ids) != "spread" &&
      absl::GetFlag(FLAGS_ids) != "sequential") {
    std::cerr << "mp_load: --ids must be spread or sequential\n";
    return 2;
  }
  if (method != "create" && method != "get" && method != "echo" &&
      method != "publish" && method != "contract-check" && method != "access" &&
      method != "team-create") {
    std::cerr << "mp_load: --method must be create, get, echo, publish, "
                 "contract-check, access or team-create\n";
    return 2;
  }
  const std::string transport = absl::GetFlag(FLAGS_transport);
  const bool http = transport == "http";
  std::string http_host;
  int http_port = 0;
  if (transport != "grpc" && !http) {
    std::cerr << "mp_load: --transport must be grpc or http\n";
    return 2;
  }
  if (http) {
    const std::string http_target = absl::GetFlag(FLAGS_http_target);
    const size_t colon = http_target.rfind(':');
    if (method != "create" && method != "get") {
      std::cerr << "mp_load: --transport http serves create and get only\n";
      return 2;
    }
    if (colon == std::string::npos || colon == 0 ||
        !absl::SimpleAtoi(http_target.substr(colon + 1), &http_port) ||
        http_port <= 0 || http_port > 65535) {
      std::cerr << "mp_load: --transport http needs --http-target HOST:PORT\n";
      return 2;
    }
    http_host = http_target.substr(0, colon);
  }
  if (method != "echo" && bearer.empty()) {
    std::cerr << "mp_load: --token (or MESHPLANE_TOKEN) is required for "
              << method << "\n";
    return 2;
  }
  CpuWatch cpu;
  if (!cpu.Parse(absl::GetFlag(FLAGS_cpu_watch))) {
    std::cerr << "mp_load: --cpu-watch wants NAME=PID[+],...\n";
    return 2;
  }
  std::string prefix = absl::GetFlag(FLAGS_id_prefix);
  if (prefix.empty()) {
    // Product ids must match [a-z][a-z0-9-]{0,62}.
    prefix = absl::StrCat("lt-", RandomLowercase(6));
  }

  auto channels = MakeChannels(target, absl::GetFlag(FLAGS_channels));
  for (auto& channel : channels) {
    if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                   std::chrono::seconds(10))) {
      std::cerr << "mp_load: cannot connect to " << target << "\n";
      return 3;
    }
  }
  std::vector<std::unique_ptr<v1::DataProductService::Stub>> product_stubs;
  std::vector<std::unique_ptr<meshplane::bench::EchoService::Stub>> echo_stubs;
  std::vector<std::unique_ptr<v1::ContractService::Stub>> contract_stubs;
  for (auto& channel : channels) {
    contract_stubs.push_back(v1::ContractService::NewStub(channel));
    product_stubs.push_back(v1::DataProductService::NewStub(channel));
    echo_stubs.push_back(meshplane::bench::EchoService::NewStub(channel));
  }
  auto product_stub = [&](int slot) {
    return product_stubs[slot % product_stubs.size()].get();
  };

  if (method == "team-create") {
    return RunTeamCreate(channels, bearer, prefix);
  }
  if (method != "echo" && absl::GetFlag(FLAGS_setup) &&
      !Setup(channels[0], bearer, domain, team)) {
    return 1;
  }

  const bool spread = absl::GetFlag(FLAGS_ids) != "sequential";
  auto product_id = [&](int64_t i) {
    // Ids match [a-z][a-z0-9-]{0,62}.
    return spread ? absl::StrFormat("p%016x-%s", Mix(static_cast<uint64_t>(i)),
                                    prefix)
                  : absl::StrCat(prefix, "-", i);
  };
  std::atomic<int64_t> next_id{0};
  auto make_create = [&](int slot) -> std::unique_ptr<Call> {
    auto* stub = product_stub(slot);
    return std::make_unique<
        UnaryCall<v1::CreateDataProductRequest, v1::DataProduct>>(
        [stub](grpc::ClientContext* ctx,
               const v1::CreateDataProductRequest& req,
               grpc::CompletionQueue* cq) {
          return stub->PrepareAsyncCreateDataProduct(ctx, req, cq);
        },
        [&](v1::CreateDataProductRequest* req) {
          FillProduct(domain, team, product_id(next_id++), req);
        },
        &bearer);
  };

  PhaseConfig config;
  config.inflight = inflight;
  config.threads = absl::GetFlag(FLAGS_threads);
  config.warmup = absl::GetFlag(FLAGS_warmup);
  config.duration = absl::GetFlag(FLAGS_duration);
  config.count = absl::GetFlag(FLAGS_count);

  CallFactory factory;
  std::vector<std::string> names;
  if (method == "create") {
    factory = make_create;
  } else if (method == "get") {
    const int n = std::max(1, absl::GetFlag(FLAGS_get_products));
    PhaseConfig seed;
    seed.inflight = std::min(16, n);
    seed.threads = 1;
    seed.count = n;
    seed.abort_retries = 20;
    PhaseOutput seeded = RunPhase(make_create, seed);
    if (seeded.ok != n) {
      std::cerr << "mp_load: creating the " << n << " products to get failed ("
                << seeded.ok << " created)\n";
      PrintErrors(seeded);
      return 1;
    }
    for (int i = 0; i < n; ++i) {
      names.push_back(
          absl::StrCat("domains/", domain, "/dataProducts/", product_id(i)));
    }
    factory = [&](int slot) -> std::unique_ptr<Call> {
      auto* stub = product_stub(slot);
      return std::make_unique<
          UnaryCall<v1::GetDataProductRequest, v1::DataProduct>>(
          [stub](grpc::ClientContext* ctx, const v1::GetDataProductRequest& req,
                 grpc::CompletionQueue* cq) {
            return stub->PrepareAsyncGetDataProduct(ctx, req, cq);
          },
          [&](v1::GetDataProductRequest* req) {
            thread_local absl::BitGen gen;
            req->set_name(names[absl::Uniform<size_t>(gen, 0, names.size())]);
          },
          &bearer);
    };
  } else if (method == "access") {
    std::vector<std::unique_ptr<v1::AccessService::Stub>> access_stubs;
    for (auto& channel : channels) {
      access_stubs.push_back(v1::AccessService::NewStub(channel));
    }
    auto shared_stubs =
        std::make_shared<decltype(access_stubs)>(std::move(access_stubs));
    factory = [shared_stubs, &bearer](int slot) -> std::unique_ptr<Call> {
      auto* stub = (*shared_stubs)[slot % shared_stubs->size()].get();
      return std::make_unique<
          UnaryCall<v1::CheckAccessRequest, v1::CheckAccessResponse>>(
          [stub](grpc::ClientContext* ctx, const v1::CheckAccessRequest& req,
                 grpc::CompletionQueue* cq) {
            return stub->PrepareAsyncCheckAccess(ctx, req, cq);
          },
          [](v1::CheckAccessRequest* req) {
            // The seeded grants of users (one in ten is a team's).
            thread_local absl::BitGen gen;
            int64_t i = absl::Uniform<int64_t>(gen, 0, 100000);
            if (i % 10 == 9) --i;
            const int64_t port = (i * 7919) % 10000;
            req->set_principal(
                absl::StrCat("user:u", i % 20000, "@example.com"));
            req->set_output_port(absl::StrCat("domains/bench/dataProducts/p",
                                              port / 4, "/outputPorts/o",
                                              port % 4));
          },
          &bearer);
    };
  } else if (method == "publish" || method == "contract-check") {
    const int properties =
        std::max(1, absl::GetFlag(FLAGS_contract_properties));
    const std::string product =
        absl::StrCat("domains/", domain, "/dataProducts/contracts-home");
    std::string checked;
    if (method == "contract-check") {
      // Publish 1.0.0 of the checked contract once (again: a no-op).
      v1::PublishContractRequest req;
      req.set_data_product(product);
      req.set_yaml(ContractYaml("mp-load-checked", "1.0.0", properties, false));
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", bearer);
      ctx.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
      v1::PublishContractResponse resp;
      grpc::Status s = contract_stubs[0]->PublishContract(&ctx, req, &resp);
      if (!s.ok()) {
        std::cerr << "mp_load: publishing mp-load-checked 1.0.0: "
                  << StatusCodeName(s.error_code()) << ": " << s.error_message()
                  << "\n";
        return 1;
      }
      checked = ContractYaml("mp-load-checked", "1.1.0", properties, true);
    }
    factory = [&, product, properties,
               checked](int slot) -> std::unique_ptr<Call> {
      auto* stub = contract_stubs[slot % contract_stubs.size()].get();
      return std::make_unique<
          UnaryCall<v1::PublishContractRequest, v1::PublishContractResponse>>(
          [stub](grpc::ClientContext* ctx,
                 const v1::PublishContractRequest& req,
                 grpc::CompletionQueue* cq) {
            return stub->PrepareAsyncPublishContract(ctx, req, cq);
          },
          [&, product, properties, checked](v1::PublishContractRequest* req) {
            req->set_data_product(product);
            if (checked.empty()) {
              req->set_yaml(
                  ContractYaml(absl::StrCat("c-", product_id(next_id++)),
                               "1.0.0", properties, false));
              req->set_request_id(RandomUuid());
            } else {
              req->set_yaml(checked);
              req->set_validate_only(true);
            }
          },
          &bearer);
    };
  } else {
    const std::string payload(
        static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_echo_payload))),
        'x');
    factory = [&, payload](int slot) -> std::unique_ptr<Call> {
      auto* stub = echo_stubs[slot % echo_stubs.size()].get();
      return std::make_unique<UnaryCall<meshplane::bench::EchoRequest,
                                        meshplane::bench::EchoResponse>>(
          [stub](grpc::ClientContext* ctx,
                 const meshplane::bench::EchoRequest& req,
                 grpc::CompletionQueue* cq) {
            return stub->PrepareAsyncEcho(ctx, req, cq);
          },
          [payload](meshplane::bench::EchoRequest* req) {
            req->set_payload(payload);
          },
          &bearer);
    };
  }

  PhaseOutput out;
  if (http) {
    // The same requests as the gRPC path, as docs/api.md "REST/JSON" maps
    // them: create sends the very product FillProduct builds, printed by
    // protobuf's JSON printer as the server parses it.
    const httplib::Headers headers = {{"Authorization", bearer}};
    HttpSend send;
    if (method == "create") {
      send = [&](httplib::Client* client, int64_t* request_bytes) {
        v1::CreateDataProductRequest req;
        FillProduct(domain, team, product_id(next_id++), &req);
        std::string body;
        // Cannot fail for a message built by generated setters.
        (void)google::protobuf::util::MessageToJsonString(req.data_product(),
                                                          &body);
        *request_bytes = static_cast<int64_t>(body.size());
        // Ids and request ids are [a-z0-9-]: nothing to percent-encode.
        return client->Post(
            absl::StrCat("/v1/", req.parent(),
                         "/dataProducts?dataProductId=", req.data_product_id(),
                         "&requestId=", req.request_id()),
            headers, body, "application/json");
      };
    } else {
      send = [&](httplib::Client* client, int64_t* request_bytes) {
        thread_local absl::BitGen gen;
        *request_bytes = 0;
        return client->Get(
            absl::StrCat("/v1/",
                         names[absl::Uniform<size_t>(gen, 0, names.size())]),
            headers);
      };
    }
    out = RunHttpPhase(http_host, http_port, send, config, &cpu);
  } else {
    out = RunPhase(factory, config, &cpu);
  }
  PrintErrors(out);
  RunReport report;
  report.method = method;
  report.target = http ? absl::GetFlag(FLAGS_http_target) : target;
  report.inflight = inflight;
  // http: a thread and a connection per in-flight request.
  report.threads =
      http ? inflight : std::max(1, std::min(config.threads, inflight));
  report.channels = http ? inflight : static_cast<int>(channels.size());
  report.seconds = out.seconds;
  report.ok = out.ok;
  report.errors = out.errors;
  report.latency = Summarize(&out.latencies_ns);
  report.request_bytes = out.request_bytes;
  report.response_bytes = out.response_bytes;
  report.cpu_seconds = out.cpu_seconds;
  report.completed_total = out.completed_total;
  std::cout << HumanLine(report) << "\n" << JsonLine(report) << std::endl;
  return report.ok > 0 ? 0 : 1;
}

}  // namespace
}  // namespace meshplane::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "mp_load --target ADDR --token T --method "
      "create|get|echo|publish|contract-check|access|team-create "
      "[--transport grpc|http --http-target HOST:PORT] --inflight N "
      "--duration 10s [--warmup 2s] [--domain D --team T]");
  meshplane::bench::HyphenFlagsToUnderscores(argc, argv);
  absl::ParseCommandLine(argc, argv);
  return meshplane::bench::Main();
}
