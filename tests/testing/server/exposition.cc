#include "tests/testing/server/exposition.h"

#include <regex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include <gtest/gtest.h>
#include <httplib.h>

namespace meshplane::testing {

std::map<std::string, double> ParseExposition(const std::string& text) {
  std::map<std::string, double> samples;
  std::set<std::string> typed;
  const std::regex type_line(
      R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram))");
  const std::regex sample(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? (\S+))");
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const std::string l(line);
    std::smatch m;
    if (l.rfind("# HELP ", 0) == 0) {
      continue;
    }
    if (std::regex_match(l, m, type_line)) {
      typed.insert(m[1]);
      continue;
    }
    EXPECT_TRUE(std::regex_match(l, m, sample)) << "not a sample: " << l;
    if (m.empty()) {
      continue;
    }
    std::string family = m[1];
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (!typed.count(family) && family.size() > suffix.size() &&
          family.compare(family.size() - suffix.size(), suffix.size(),
                         suffix) == 0) {
        family = family.substr(0, family.size() - suffix.size());
      }
    }
    EXPECT_TRUE(typed.count(family)) << "no # TYPE before: " << l;
    double v = 0;
    EXPECT_TRUE(absl::SimpleAtod(std::string(m[4]), &v)) << l;
    samples[std::string(m[1]) + std::string(m[2])] = v;
  }
  return samples;
}

std::map<std::string, double> ScrapeMetrics(int http_port) {
  httplib::Client http("127.0.0.1", http_port);
  http.set_connection_timeout(5);
  http.set_read_timeout(10);
  auto res = http.Get("/metrics");
  EXPECT_TRUE(res && res->status == 200) << "GET /metrics failed";
  if (!res || res->status != 200) {
    return {};
  }
  return ParseExposition(res->body);
}

}  // namespace meshplane::testing
