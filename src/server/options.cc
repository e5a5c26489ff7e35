#include "server/options.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/client_certs.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::server {
namespace {

absl::Status Bad(absl::string_view flag, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", why));
}

absl::Status ParseInt(absl::string_view flag, const std::string& value, int lo,
                      int hi, int* out) {
  if (!absl::SimpleAtoi(value, out) || *out < lo || *out > hi) {
    return Bad(flag, absl::StrCat("\"", value, "\" is not an integer in [", lo,
                                  ", ", hi, "]"));
  }
  return absl::OkStatus();
}

absl::Status ParseDuration(absl::string_view flag, const std::string& value,
                           absl::Duration* out) {
  if (!absl::ParseDuration(value, out) || *out < absl::ZeroDuration()) {
    return Bad(flag,
               absl::StrCat("\"", value,
                            "\" is not a duration such as 30s, 2m, 500ms"));
  }
  return absl::OkStatus();
}

// One of `choices`, in any case; `out` gets it in lower case.
absl::Status ParseChoice(absl::string_view flag, const std::string& value,
                         const std::vector<absl::string_view>& choices,
                         std::string* out) {
  std::string choice = absl::AsciiStrToLower(value);
  if (std::find(choices.begin(), choices.end(), choice) == choices.end()) {
    return Bad(flag, absl::StrCat("\"", value, "\" is not one of ",
                                  absl::StrJoin(choices, ", ")));
  }
  *out = std::move(choice);
  return absl::OkStatus();
}

// A principal that calls the API: user:... or service:... (a team never
// calls by itself).
absl::Status ParsePrincipal(absl::string_view flag, const std::string& value,
                            std::vector<std::string>* out) {
  absl::Status valid = model::ValidatePrincipal("principal", value);
  if (!valid.ok()) {
    return Bad(flag, valid.message().substr(valid.message().find(':') + 2));
  }
  if (absl::StartsWith(value, "team:")) {
    return Bad(flag, absl::StrCat("\"", value,
                                  "\" is a team; name the user or service "
                                  "that calls CheckAccess"));
  }
  out->push_back(value);
  return absl::OkStatus();
}

// The flags that only set one field, by the kind of value they take. Each
// is refused with a message that names it (Bad).
struct DurationFlag {
  absl::string_view name;
  absl::Duration Options::*field;
  absl::Duration at_least;  // ParseDuration already refuses negatives
};
constexpr DurationFlag kDurationFlags[] = {
    {"http-idle-timeout", &Options::http_idle_timeout, absl::Milliseconds(100)},
    {"http-read-timeout", &Options::http_read_timeout, absl::Milliseconds(100)},
    {"max-call-duration", &Options::max_call_duration, absl::Milliseconds(100)},
    {"db-wait", &Options::db_wait, absl::ZeroDuration()},
    {"drain-timeout", &Options::drain_timeout, absl::ZeroDuration()},
    {"max-connection-idle", &Options::max_connection_idle,
     absl::ZeroDuration()},
    {"max-connection-age", &Options::max_connection_age, absl::ZeroDuration()},
    {"max-connection-age-grace", &Options::max_connection_age_grace,
     absl::ZeroDuration()},
    {"policy-refresh", &Options::policy_refresh, absl::Seconds(1)},
    {"watch-heartbeat", &Options::watch_heartbeat, absl::Milliseconds(100)},
    {"webhook-timeout", &Options::webhook_timeout, absl::Milliseconds(100)},
    {"webhook-retry-min", &Options::webhook_retry_min, absl::Milliseconds(10)},
    {"webhook-retry-max", &Options::webhook_retry_max, absl::Milliseconds(10)},
    {"access-pending-ttl", &Options::access_pending_ttl, absl::Minutes(1)},
    {"access-max-duration", &Options::access_max_duration, absl::Minutes(1)},
    {"access-freshness-bound", &Options::access_freshness_bound,
     absl::ZeroDuration()},
    {"access-refresh", &Options::access_refresh, absl::Seconds(1)},
    {"tls-reload-interval", &Options::tls_reload_interval, absl::Seconds(1)},
};

struct IntFlag {
  absl::string_view name;
  int Options::*field;
  int lo;
  int hi;
};
constexpr IntFlag kIntFlags[] = {
    {"http-threads", &Options::http_threads, 1, 1024},
    {"http-max-streams", &Options::http_max_streams, 0, 100000},
    {"pool-size", &Options::pool_size, 1, 1000},
    {"max-threads", &Options::max_threads, 4, 10000},
    {"db-pool-max-waiters", &Options::db_pool_max_waiters, 0, 100000},
    {"webhook-workers", &Options::webhook_workers, 0, 64},
};

// Any string, files and addresses checked when they are used.
struct TextFlag {
  absl::string_view name;
  std::string Options::*field;
};
constexpr TextFlag kTextFlags[] = {
    {"http-listen", &Options::http_listen},
    {"database-url", &Options::database_url},
    {"migrations-dir", &Options::migrations_dir},
    {"webhook-ca-file", &Options::webhook_ca_file},
    {"tls-cert-file", &Options::tls_cert_file},
    {"tls-key-file", &Options::tls_key_file},
    {"tls-client-ca-file", &Options::tls_client_ca_file},
    {"tls-principal-map", &Options::tls_principal_map_file},
    {"port-file", &Options::port_file},
};

// Repeatable: each adds one principal that calls the API.
struct PrincipalFlag {
  absl::string_view name;
  std::vector<std::string> Options::*field;
};
constexpr PrincipalFlag kPrincipalFlags[] = {
    {"access-checker", &Options::access_checkers},
    {"slo-reporter", &Options::slo_reporters},
    {"event-watcher", &Options::event_watchers},
};

// The entry of `table` for the flag `name`, or null.
template <typename Flag, size_t N>
const Flag* FindFlag(const Flag (&table)[N], absl::string_view name) {
  for (const Flag& flag : table) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

}  // namespace

std::string Usage() {
  return R"(usage: meshplaned [serve] [flags]
       meshplaned migrate [flags]

  serve (default)  serve gRPC until SIGTERM or SIGINT, which drains
                   in-flight calls. A schema that is current is not touched;
                   one that is behind is migrated if the database role may
                   (under a PostgreSQL advisory lock, so replicas may start
                   together), else waited for (--db-wait)
  migrate          apply pending migrations and exit; run it as the schema's
                   owner, with --serving-role for the role that serves

flags:
  --listen ADDR          gRPC address (default 127.0.0.1:50051; port 0 picks one)
  --http-listen ADDR     REST under /v1/, /healthz, /readyz, /metrics (default
                         127.0.0.1:9464; "" disables)
  --http-threads N       workers that run HTTP requests (default 16); more
                         waiting than 64 per worker get 503
  --http-max-streams N   open REST Watch streams (default 256)
  --http-idle-timeout D  close an HTTP connection that has not sent a whole
                         request header this long after it opened or after
                         its last answer (default 30s)
  --http-read-timeout D  a request body must arrive within this of its
                         header; an answer must be taken within it (default 30s)
  --http-tls MODE        auto (default: HTTPS when --tls-cert-file and
                         --tls-key-file are set) or off (plain HTTP, e.g.
                         behind a proxy that terminates TLS)
  --web-session-ttl D    a web catalog session lasts this long from sign-in
                         (default 8h, at least 1m, at most 720h)
  --http-cors-origin ORIGIN  a web origin (https://host[:port]) whose pages
                         may call the API from a browser; repeatable; none:
                         no CORS headers
  --database-url URL     libpq URI (default: $MESHPLANE_DATABASE_URL)
  --pool-size N          database connections (default 16)
  --max-threads N        gRPC thread budget (default 256)
  --max-call-duration D  the longest a unary call runs: a call without a
                         deadline, or with a later one, gets this one
                         (default 30s); nothing commits after a deadline
  --db-pool-max-waiters N  calls that may queue for a database connection
                         (default 64); more are refused at once with
                         RESOURCE_EXHAUSTED
  --migrations-dir DIR   migrations (default: compiled in, or $MESHPLANE_MIGRATIONS_DIR)
  --serving-role ROLE    migrate only: grant ROLE exactly what serving needs
                         (the migrations folder's serving_role.sql), and
                         refuse a ROLE that could alter the audit tables
  --db-wait DURATION     how long to retry an unreachable database at start (default 30s)
  --drain-timeout DURATION  how long shutdown waits for in-flight calls (default 10s)
  --max-connection-idle DURATION  close a connection without calls after this
                         (default 5m; 0 = never)
  --max-connection-age DURATION  ask clients to reconnect after this (default
                         30m; 0 = never), letting calls in flight finish
                         for --max-connection-age-grace (default 5m)
  --policy-refresh DURATION full reload of the policy snapshot this often, besides
                         the reloads that change notifications trigger (default 30s)
  --access-checker PRINCIPAL  may call CheckAccess about anyone (an
                         enforcement point, e.g. service:trino); repeatable
  --slo-reporter PRINCIPAL  may report SLO observations of any output port
                         (a monitor, e.g. service:prober); repeatable
  --event-watcher PRINCIPAL  may Watch the event feed besides platform
                         admins (provisioning automation); repeatable
  --watch-heartbeat D    an idle Watch stream gets an empty message this
                         often (default 30s)
  --event-retention D    prune events older than this from the event feed
                         (default 720h; 0 keeps them forever); a Watch
                         resuming before what is kept gets OUT_OF_RANGE
  --webhook-workers N    threads delivering webhooks on this replica
                         (default 2; 0: this replica delivers none)
  --webhook-timeout D    a webhook POST fails after this (default 10s)
  --webhook-retry-min D  the first retry of a failed delivery waits this
                         long, doubling up to --webhook-retry-max (defaults
                         1s, 5m)
  --webhook-retry-max D
  --webhook-ca-file PEM  trust these CAs for https:// webhooks (default:
                         the system's)
  --event-source URI     the CloudEvents `source` of webhook deliveries
                         (default /meshplane)
  --decision-log MODE    batched (default: CheckAccess answers at once and its
                         decisions commit within 200ms) or durable (it answers
                         once they have committed)
  --access-pending-ttl DURATION  an undecided access request expires after
                         this (default 336h)
  --access-max-duration DURATION  no grant lasts longer (default 8784h)
  --access-freshness-bound DURATION  how long CheckAccess still answers while
                         its change feed is down, before UNAVAILABLE (default 1s)
  --access-refresh DURATION  full reload of the access index this often,
                         besides the changes notifications bring (default 60s)
  --tls-cert-file PEM    serve gRPC over TLS with this certificate (chain)
  --tls-key-file PEM     and this private key (both or neither)
  --tls-reload-interval DURATION  re-read the TLS files this often (default
                         1m; new connections get renewed certificates)
  --tls-client-ca-file PEM  mutual TLS: ask clients for a certificate and
                         verify it against this CA bundle
  --tls-client-auth MODE optional (default: a client authenticates with a
                         verified certificate or a bearer token) or require
                         (the handshake needs a verified certificate; a
                         token on top still names the caller)
  --tls-principal SAN=PRINCIPAL[,admin]  a client certificate with this URI
                         or DNS SAN calls as PRINCIPAL (user:... or
                         service:...), a platform admin with ",admin";
                         repeatable
  --tls-principal-map FILE  more such entries, one per line ('#' comments)
  --tls-dns-service-domain DOMAIN  a certificate with DNS SAN <id>.DOMAIN
                         calls as service:<id>; repeatable
  --oidc-issuer URL      accept OIDC/JWT bearer tokens whose `iss` is URL
                         (docs/operations.md#single-sign-on-oidcjwt)
  --oidc-audience AUD    ... and whose `aud` is or contains AUD (required)
  --oidc-jwks-file PATH  the provider's keys, a JWKS file re-read on change
  --oidc-jwks-url URL    or fetched from this URL (one of the two)
  --oidc-jwks-refresh DURATION  refetch the URL this often (default 5m)
  --oidc-principal-claim CLAIM  the claim naming the caller (default email)
  --oidc-principal-prefix PREFIX  prefixed to it (default user:)
  --oidc-groups-claim CLAIM  the claim listing the caller's groups
  --oidc-group-team GROUP=TEAM  members of GROUP belong to TEAM;
                         repeatable (none: groups named like a team id are
                         that team)
  --oidc-admin-group GROUP  members of GROUP are platform admins (default:
                         no token ever makes an admin)
  --oidc-clock-skew DURATION  tolerance for exp/nbf (default 60s, at most 5m)
  --port-file PATH       write the bound gRPC port there once serving
  --log-level LEVEL      trace, debug, info, warn, error (default info)
  --help                 this text

environment:
  MESHPLANE_DATABASE_URL     the database, when --database-url is not given
  MESHPLANE_BOOTSTRAP_TOKEN  becomes the first platform-admin token (principal
                             user:admin) if the registry has none; 16+ chars
)";
}

absl::StatusOr<Options> ParseOptions(
    const std::vector<std::string>& args,
    const std::function<std::string(const std::string&)>& getenv) {
  Options o;
  bool command_seen = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "-")) {
      if (command_seen) {
        return absl::InvalidArgumentError(
            absl::StrCat("unexpected argument \"", arg, "\""));
      }
      command_seen = true;
      if (arg == "serve") {
        o.command = Options::Command::kServe;
      } else if (arg == "migrate") {
        o.command = Options::Command::kMigrate;
      } else if (arg == "help") {
        o.command = Options::Command::kHelp;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(
            "unknown command \"", arg, "\" (expected serve or migrate)"));
      }
      continue;
    }
    size_t start = arg.find_first_not_of('-');
    if (start == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", arg, "\""));
    }
    std::string name = arg.substr(start);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    std::replace(name.begin(), name.end(), '_', '-');
    if (name == "help" || name == "h") {
      o.command = Options::Command::kHelp;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return Bad(name, "needs a value");
      }
      value = args[++i];
    }
    if (const DurationFlag* flag = FindFlag(kDurationFlags, name)) {
      absl::Duration& field = o.*flag->field;
      MP_RETURN_IF_ERROR(ParseDuration(name, value, &field));
      if (field < flag->at_least) {
        return Bad(name, absl::StrCat("must be at least ",
                                      absl::FormatDuration(flag->at_least)));
      }
      continue;
    }
    if (const IntFlag* flag = FindFlag(kIntFlags, name)) {
      MP_RETURN_IF_ERROR(
          ParseInt(name, value, flag->lo, flag->hi, &(o.*flag->field)));
      continue;
    }
    if (const TextFlag* flag = FindFlag(kTextFlags, name)) {
      o.*flag->field = value;
      continue;
    }
    if (const PrincipalFlag* flag = FindFlag(kPrincipalFlags, name)) {
      MP_RETURN_IF_ERROR(ParsePrincipal(name, value, &(o.*flag->field)));
      continue;
    }
    if (name == "listen") {
      if (value.empty()) {
        return Bad(name, "must not be empty");
      }
      o.listen = value;
    } else if (name == "web-session-ttl") {
      MP_RETURN_IF_ERROR(ParseDuration(name, value, &o.web_session_ttl));
      if (o.web_session_ttl < absl::Minutes(1) ||
          o.web_session_ttl > absl::Hours(720)) {
        return Bad(name, "must be between 1m and 720h");
      }
    } else if (name == "http-tls") {
      std::string mode;
      MP_RETURN_IF_ERROR(ParseChoice(name, value, {"auto", "off"}, &mode));
      o.http_tls = mode == "auto";
    } else if (name == "http-cors-origin") {
      // An origin is scheme://host[:port] exactly as a browser sends it in
      // the Origin header: no path, no trailing slash, no wildcard.
      const bool scheme = absl::StartsWith(value, "http://") ||
                          absl::StartsWith(value, "https://");
      const size_t host = value.find("://") + 3;
      if (!scheme || value.size() <= host ||
          value.find_first_of("/?#*", host) != std::string::npos) {
        return Bad(name, absl::StrCat("\"", value,
                                      "\" is not an origin such as "
                                      "https://catalog.example.com"));
      }
      o.http_cors_origins.push_back(value);
    } else if (name == "serving-role") {
      if (value.empty()) {
        return Bad(name, "must not be empty");
      }
      o.serving_role = value;
    } else if (name == "event-retention") {
      MP_RETURN_IF_ERROR(ParseDuration(name, value, &o.event_retention));
      if (o.event_retention > absl::ZeroDuration() &&
          o.event_retention < absl::Minutes(1)) {
        return Bad(name, "must be 0 (keep forever) or at least 1m");
      }
    } else if (name == "event-source") {
      if (value.empty()) return Bad(name, "must not be empty");
      o.event_source = value;
    } else if (name == "decision-log") {
      std::string mode;
      MP_RETURN_IF_ERROR(
          ParseChoice(name, value, {"batched", "durable"}, &mode));
      o.durable_decision_log = mode == "durable";
    } else if (name == "tls-client-auth") {
      std::string mode;
      MP_RETURN_IF_ERROR(
          ParseChoice(name, value, {"optional", "require"}, &mode));
      o.tls_client_auth_required = mode == "require";
    } else if (name == "tls-principal") {
      // Checked here too, so that a typo fails before the database wait.
      MP_RETURN_IF_ERROR(CertificatePrincipals().AddEntry(value));
      o.tls_principals.push_back(value);
    } else if (name == "tls-dns-service-domain") {
      MP_RETURN_IF_ERROR(CertificatePrincipals().AddDnsServiceDomain(value));
      o.tls_dns_service_domains.push_back(value);
    } else if (name == "oidc-issuer") {
      o.oidc.issuer = value;
    } else if (name == "oidc-audience") {
      o.oidc.audience = value;
    } else if (name == "oidc-jwks-file") {
      o.oidc.jwks_file = value;
    } else if (name == "oidc-jwks-url") {
      o.oidc.jwks_url = value;
    } else if (name == "oidc-jwks-refresh") {
      MP_RETURN_IF_ERROR(ParseDuration(name, value, &o.oidc.jwks_refresh));
      if (o.oidc.jwks_refresh < absl::Seconds(10)) {
        return Bad(name, "must be at least 10s");
      }
    } else if (name == "oidc-principal-claim") {
      o.oidc.principal_claim = value;
    } else if (name == "oidc-principal-prefix") {
      o.oidc.principal_prefix = value;
    } else if (name == "oidc-groups-claim") {
      o.oidc.groups_claim = value;
    } else if (name == "oidc-group-team") {
      o.oidc.group_teams.push_back(value);
    } else if (name == "oidc-admin-group") {
      o.oidc.admin_group = value;
    } else if (name == "oidc-clock-skew") {
      MP_RETURN_IF_ERROR(ParseDuration(name, value, &o.oidc.clock_skew));
      if (o.oidc.clock_skew > absl::Minutes(5)) {
        return Bad(name, "must be at most 5m");
      }
    } else if (name == "log-level") {
      MP_RETURN_IF_ERROR(ParseChoice(
          name, value, {"trace", "debug", "info", "warn", "error", "off"},
          &o.log_level));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help)"));
    }
  }
  if (o.database_url.empty()) {
    o.database_url = getenv("MESHPLANE_DATABASE_URL");
  }
  o.bootstrap_token = getenv("MESHPLANE_BOOTSTRAP_TOKEN");
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert-file and --tls-key-file go together");
  }
  const bool mtls_flag_set =
      o.tls_client_auth_required || !o.tls_principals.empty() ||
      !o.tls_principal_map_file.empty() || !o.tls_dns_service_domains.empty();
  if (!o.tls_client_ca_file.empty() && o.tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-ca-file needs --tls-cert-file and --tls-key-file: "
        "client certificates are asked for only over TLS");
  }
  if (mtls_flag_set && o.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-client-auth, --tls-principal, --tls-principal-map and "
        "--tls-dns-service-domain need --tls-client-ca-file");
  }
  if (!o.serving_role.empty() && o.command != Options::Command::kMigrate) {
    return absl::InvalidArgumentError(
        "--serving-role is for `meshplaned migrate` (run as the schema's "
        "owner); serve with the serving role's own database URL");
  }
  if (o.command != Options::Command::kHelp && o.database_url.empty()) {
    return absl::InvalidArgumentError(
        "no database: pass --database-url or set MESHPLANE_DATABASE_URL");
  }
  return o;
}

}  // namespace meshplane::server
