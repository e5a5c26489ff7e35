// The connection defaults the PostgreSQL store adds to a database URL: TCP
// timeouts that end a silent connection within seconds (the blackhole test,
// tests/e2e/blackhole_test.sh, shows why), in both libpq syntaxes, never
// overriding what the operator wrote.
#include <string>

#include "store/postgres/pg_internal.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace meshplane::store::pg {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(WithConnectionTimeoutsTest, AddsEachDefaultToAUri) {
  EXPECT_EQ(WithConnectionTimeouts("postgresql://u@h/db", absl::Seconds(5)),
            "postgresql://u@h/db?connect_timeout=5&keepalives=1"
            "&keepalives_idle=5&keepalives_interval=2&keepalives_count=3"
            "&tcp_user_timeout=10000");
  EXPECT_EQ(
      WithConnectionTimeouts("postgres://u@/db?host=/tmp/s", absl::Seconds(1)),
      "postgres://u@/db?host=/tmp/s&connect_timeout=2&keepalives=1"
      "&keepalives_idle=5&keepalives_interval=2&keepalives_count=3"
      "&tcp_user_timeout=10000");
}

TEST(WithConnectionTimeoutsTest, AddsEachDefaultToKeyValues) {
  EXPECT_EQ(WithConnectionTimeouts("host=a,b port=1,2 dbname=m "
                                   "target_session_attrs=read-write",
                                   absl::Milliseconds(2500)),
            "host=a,b port=1,2 dbname=m target_session_attrs=read-write "
            "connect_timeout=3 keepalives=1 keepalives_idle=5 "
            "keepalives_interval=2 keepalives_count=3 tcp_user_timeout=10000");
}

TEST(WithConnectionTimeoutsTest, KeepsWhatTheUrlSays) {
  const std::string url = WithConnectionTimeouts(
      "postgresql://u@h/db?connect_timeout=9&tcp_user_timeout=30000",
      absl::Seconds(5));
  EXPECT_THAT(url, AllOf(HasSubstr("connect_timeout=9"),
                         Not(HasSubstr("connect_timeout=5")),
                         HasSubstr("tcp_user_timeout=30000"),
                         Not(HasSubstr("tcp_user_timeout=10000")),
                         HasSubstr("keepalives_idle=5")));
}

}  // namespace
}  // namespace meshplane::store::pg
