// YAML alias bombs against the server over real gRPC and a real PostgreSQL:
// a contract of under 1 KiB whose aliases expand to 4e7 (8 levels) or 4e8
// (9 levels) nodes. A principal in no team is refused before the document
// is read; whoever may send a document gets INVALID_ARGUMENT at the alias
// that crosses the YAML budget. Every refusal is fast, and the server (this
// process) keeps its memory.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tests/testing/alias_bomb.h"
#include "tests/testing/server/server_fixture.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "meshplane/contract/yaml.h"

namespace meshplane::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The issue asks for a refusal in under 100 ms; the bound leaves slack for
// a loaded two-core machine. Before the budgets, 8 levels took 6.4 s.
constexpr absl::Duration kRefusedWithin = absl::Seconds(2);
constexpr int64_t kRssSlackKb = 50 * 1024;

// This process's resident set (the server runs in it), in KiB.
int64_t RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kb = 0;
      std::string digits;
      for (char c : line) {
        if (c >= '0' && c <= '9') digits.push_back(c);
      }
      if (absl::SimpleAtoi(digits, &kb)) return kb;
    }
  }
  ADD_FAILURE() << "no VmRSS in /proc/self/status";
  return 0;
}

class YamlBudgetRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_ = ServerFixture::Start();
    contracts_ = fx_->Contracts();
    fx_->SeedTeam("sales-eng", {"user:ana@example.com"});
    fx_->SeedDomain("sales", "sales-eng");
    fx_->SeedProduct("sales", "orders", "sales-eng");
    loner_ = fx_->MintToken("service:loner");
    ana_ = fx_->MintToken("user:ana@example.com");
  }

  grpc::Status Publish(const std::string& token, const std::string& yaml,
                       const std::string& product, bool validate_only) {
    v1::PublishContractRequest r;
    r.set_data_product(product);
    r.set_yaml(yaml);
    r.set_validate_only(validate_only);
    v1::PublishContractResponse out;
    auto ctx = ServerFixture::Context(token);
    return contracts_->PublishContract(ctx.get(), r, &out);
  }

  grpc::Status Check(const std::string& token, const std::string& yaml) {
    v1::CheckContractCompatibilityRequest r;
    r.set_yaml(yaml);
    v1::CheckContractCompatibilityResponse out;
    auto ctx = ServerFixture::Context(token);
    return contracts_->CheckContractCompatibility(ctx.get(), r, &out);
  }

  std::unique_ptr<ServerFixture> fx_;
  std::unique_ptr<v1::ContractService::Stub> contracts_;
  std::string loner_, ana_;
};

// One refused call: its code, how long it took, and the message.
struct Timed {
  grpc::Status status;
  absl::Duration took;
};

template <typename F>
Timed Time(F call) {
  const absl::Time start = absl::Now();
  grpc::Status s = call();
  return {s, absl::Now() - start};
}

TEST_F(YamlBudgetRpcTest, AliasBombsAreRefusedFastAndMemoryStaysFlat) {
  // Warm the channel, the handler threads and the pool with a refusal of
  // the same path, so that what is measured is the bomb alone.
  ASSERT_EQ(Check(loner_, "a: [").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(Publish(loner_, "a: [", "", false).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const int64_t before_kb = RssKb();
  const std::string line =
      absl::StrCat(AliasBombLineOverBudget(contract::kMaxYamlNodes), ":");

  for (int levels : {8, 9}) {
    SCOPED_TRACE(absl::StrCat(levels, " levels"));
    const std::string bomb = AliasBombContract(levels);
    ASSERT_LT(bomb.size(), 1024u);

    // A principal in no team may publish nothing: refused unread, with or
    // without a product, as a dry run too.
    for (const auto& [product, dry] : std::vector<std::pair<std::string, bool>>{
             {"", false},
             {"domains/sales/dataProducts/orders", false},
             {"", true}}) {
      Timed t = Time([&] { return Publish(loner_, bomb, product, dry); });
      EXPECT_EQ(t.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << t.status.error_message();
      EXPECT_THAT(t.status.error_message(), HasSubstr("member of no team"));
      EXPECT_LT(t.took, kRefusedWithin);
      std::fprintf(stderr, "publish %d levels (product \"%s\", dry %d): %s\n",
                   levels, product.c_str(), dry,
                   absl::FormatDuration(t.took).c_str());
    }

    // Compatibility checks are open to every caller; the owner may publish.
    // Both read the document: the budget refuses it at the alias.
    for (const auto& [who, call] :
         std::vector<std::pair<std::string, std::function<grpc::Status()>>>{
             {"check as loner", [&] { return Check(loner_, bomb); }},
             {"publish as owner",
              [&] { return Publish(ana_, bomb, "", false); }}}) {
      Timed t = Time(call);
      EXPECT_EQ(t.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
          << who << ": " << t.status.error_message();
      std::string where;
      for (const FieldViolation& f : FieldViolationsOf(t.status)) {
        if (f.field == "yaml") where = f.description;
      }
      EXPECT_THAT(where, HasSubstr("past the YAML budget of 250000 nodes"))
          << who;
      EXPECT_THAT(where, StartsWith(line)) << who;
      EXPECT_LT(t.took, kRefusedWithin) << who;
      std::fprintf(stderr, "%s, %d levels: %s\n", who.c_str(), levels,
                   absl::FormatDuration(t.took).c_str());
    }
  }

  const int64_t after_kb = RssKb();
  std::fprintf(stderr, "RSS before %lld KiB, after %lld KiB\n",
               static_cast<long long>(before_kb),
               static_cast<long long>(after_kb));
  EXPECT_LT(after_kb - before_kb, kRssSlackKb);
}

}  // namespace
}  // namespace meshplane::testing
