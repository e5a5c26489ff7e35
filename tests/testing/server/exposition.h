// Reading /metrics back in tests: a strict enough parser of the Prometheus
// text exposition format (0.0.4) that a malformed line fails the test.
//
//   httplib::Client http("127.0.0.1", fx->http_port());
//   auto samples = ParseExposition(http.Get("/metrics")->body);
//   EXPECT_EQ(samples["meshplane_ready"], 1);
//   EXPECT_EQ(samples["meshplane_db_pool_connections{state=\"idle\"}"], 2);
#ifndef MESHPLANE_TESTS_TESTING_SERVER_EXPOSITION_H_
#define MESHPLANE_TESTS_TESTING_SERVER_EXPOSITION_H_

#include <map>
#include <string>

namespace meshplane::testing {

// The samples of `text` by their full key, `name{labels}` exactly as
// written (labels in the order the server writes them). Adds a test
// failure (EXPECT) for a line that is not `# HELP`, `# TYPE name
// counter|gauge|histogram` or `name{k="v",...} number`, and for a sample
// whose family has no # TYPE line before it (histogram samples belong to
// their family through _bucket, _sum and _count).
std::map<std::string, double> ParseExposition(const std::string& text);

// The samples of the server at 127.0.0.1:`http_port` (/metrics); empty,
// with a test failure, if it does not answer 200.
std::map<std::string, double> ScrapeMetrics(int http_port);

}  // namespace meshplane::testing

#endif  // MESHPLANE_TESTS_TESTING_SERVER_EXPOSITION_H_
