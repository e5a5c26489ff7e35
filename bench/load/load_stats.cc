#include "bench/load/load_stats.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include <dirent.h>
#include <unistd.h>

namespace meshplane::bench {

int64_t NearestRank(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) {
    return 0;
  }
  // Nearest rank: the smallest value with at least q of the data at or
  // below it.
  const double rank = std::ceil(q * static_cast<double>(sorted.size()));
  size_t index = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  index = std::min(index, sorted.size() - 1);
  return sorted[index];
}

LatencySummary Summarize(std::vector<int64_t>* latencies_ns) {
  LatencySummary s;
  std::sort(latencies_ns->begin(), latencies_ns->end());
  s.count = static_cast<int64_t>(latencies_ns->size());
  if (s.count == 0) {
    return s;
  }
  double sum = 0;
  for (int64_t v : *latencies_ns) {
    sum += static_cast<double>(v);
  }
  s.mean_us = sum / static_cast<double>(s.count) / 1e3;
  s.p50_us = NearestRank(*latencies_ns, 0.50) / 1e3;
  s.p90_us = NearestRank(*latencies_ns, 0.90) / 1e3;
  s.p99_us = NearestRank(*latencies_ns, 0.99) / 1e3;
  s.max_us = latencies_ns->back() / 1e3;
  return s;
}

int64_t RunReport::error_count() const {
  int64_t n = 0;
  for (const auto& [code, count] : errors) {
    n += count;
  }
  return n;
}

namespace {

std::string Ms(double us) { return absl::StrFormat("%.2fms", us / 1e3); }

}  // namespace

namespace {

// Fields 3.. of /proc/PID/stat (after the parenthesised command name, which
// may itself contain spaces); empty if unreadable.
std::vector<std::string> StatFields(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) {
    return {};
  }
  const size_t close = line.rfind(')');
  if (close == std::string::npos) {
    return {};
  }
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  std::string f;
  while (rest >> f) {
    fields.push_back(f);
  }
  return fields;
}

// proc(5): utime is field 14, so index 14 - 3 in StatFields.
constexpr int kState = 0, kPpid = 1, kUtime = 11, kStime = 12, kCutime = 13,
              kCstime = 14;

}  // namespace

double ProcessCpuSeconds(int pid, bool with_children) {
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::vector<std::string> self = StatFields(pid);
  if (self.size() <= kCstime) {
    return -1;
  }
  double ticks = std::stod(self[kUtime]) + std::stod(self[kStime]);
  if (!with_children) {
    return ticks / tick;
  }
  ticks += std::stod(self[kCutime]) + std::stod(self[kCstime]);
  if (DIR* dir = opendir("/proc")) {
    while (dirent* e = readdir(dir)) {
      const int child = std::atoi(e->d_name);
      if (child <= 0 || child == pid) {
        continue;
      }
      std::vector<std::string> f = StatFields(child);
      if (f.size() > kStime && std::atoi(f[kPpid].c_str()) == pid &&
          f[kState] != "Z") {
        ticks += std::stod(f[kUtime]) + std::stod(f[kStime]);
      }
    }
    closedir(dir);
  }
  return ticks / tick;
}

std::string HumanLine(const RunReport& r) {
  std::string errors;
  if (!r.errors.empty()) {
    errors = absl::StrCat(" (",
                          absl::StrJoin(r.errors, ",",
                                        [](std::string* out, const auto& e) {
                                          absl::StrAppend(out, e.first, "=",
                                                          e.second);
                                        }),
                          ")");
  }
  return absl::StrFormat(
      "%-6s inflight=%-3d ok=%d err=%d%s in %.2fs: %.1f calls/s  p50=%s "
      "p90=%s p99=%s max=%s",
      r.method, r.inflight, r.ok, r.error_count(), errors, r.seconds,
      r.throughput(), Ms(r.latency.p50_us), Ms(r.latency.p90_us),
      Ms(r.latency.p99_us), Ms(r.latency.max_us));
}

std::string JsonLine(const RunReport& r) {
  std::string errors =
      absl::StrJoin(r.errors, ",", [](std::string* out, const auto& e) {
        absl::StrAppend(out, JsonString(e.first), ":", e.second);
      });
  std::string cpu =
      absl::StrJoin(r.cpu_seconds, ",", [](std::string* out, const auto& e) {
        absl::StrAppendFormat(out, "%s:%.3f", JsonString(e.first), e.second);
      });
  return absl::StrFormat(
      "{\"tool\":\"mp_load\",\"method\":%s,\"target\":%s,\"inflight\":%d,"
      "\"threads\":%d,\"channels\":%d,\"seconds\":%.3f,\"ok\":%d,"
      "\"completed_total\":%d,"
      "\"errors_total\":%d,\"errors\":{%s},\"throughput\":%.1f,"
      "\"mean_us\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,"
      "\"max_us\":%.1f,\"request_bytes\":%d,\"response_bytes\":%d,"
      "\"cpu_seconds\":{%s}}",
      JsonString(r.method), JsonString(r.target), r.inflight, r.threads,
      r.channels, r.seconds, r.ok, r.completed_total, r.error_count(), errors,
      r.throughput(), r.latency.mean_us, r.latency.p50_us, r.latency.p90_us,
      r.latency.p99_us, r.latency.max_us, r.request_bytes, r.response_bytes,
      cpu);
}

std::string StatusCodeName(int code) {
  // gRPC's codes are absl's, by number and by name.
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return name.empty() ? absl::StrCat("CODE_", code) : name;
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

void HyphenFlagsToUnderscores(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (arg[0] != '-' || arg[1] != '-') {
      continue;
    }
    for (char* c = arg + 2; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') {
        *c = '_';
      }
    }
  }
}

}  // namespace meshplane::bench
