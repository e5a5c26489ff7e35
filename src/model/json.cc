#include "meshplane/model/json.h"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include <nlohmann/json.hpp>

#include "meshplane/common/status_macros.h"

namespace meshplane::model {
namespace {

using Json = nlohmann::json;  // std::map objects: keys come out sorted.

// --- encoding helpers ---

// RFC 3339 in UTC with as many fractional digits as the value needs
// (PostgreSQL keeps microseconds; nothing is rounded away here).
std::string FormatTimeJson(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

// Seconds with an "s" suffix and up to nine fractional digits ("1.5s"), the
// proto3 JSON form of google.protobuf.Duration.
std::string FormatDurationJson(absl::Duration d) {
  int64_t nanos = absl::ToInt64Nanoseconds(d);
  bool negative = nanos < 0;
  uint64_t abs_nanos = negative ? 0 - static_cast<uint64_t>(nanos)
                                : static_cast<uint64_t>(nanos);
  uint64_t secs = abs_nanos / 1000000000u;
  uint64_t frac = abs_nanos % 1000000000u;
  std::string out = absl::StrCat(negative ? "-" : "", secs);
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    digits = std::string(9 - digits.size(), '0') + digits;
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  out += "s";
  return out;
}

Json LabelsJson(const std::map<std::string, std::string>& labels) {
  Json out = Json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

// --- decoding helpers ---
// Decoding collects the first problem as a status; the JSON was produced by
// ToJson, so a problem means corruption or a foreign document.

class Reader {
 public:
  explicit Reader(const Json& j, std::string what)
      : j_(j), what_(std::move(what)) {}

  std::string String(const char* key) {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return "";
    if (!it->is_string()) {
      Fail(key, "must be a string");
      return "";
    }
    return it->get<std::string>();
  }
  bool Bool(const char* key) {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return false;
    if (!it->is_boolean()) {
      Fail(key, "must be a boolean");
      return false;
    }
    return it->get<bool>();
  }
  int64_t Int(const char* key) {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return 0;
    if (!it->is_number_integer()) {
      Fail(key, "must be an integer");
      return 0;
    }
    return it->get<int64_t>();
  }
  std::optional<double> Double(const char* key) {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) {
      Fail(key, "must be a number");
      return std::nullopt;
    }
    return it->get<double>();
  }
  std::optional<absl::Time> OptTime(const char* key) {
    std::string s = String(key);
    if (s.empty()) return std::nullopt;
    absl::Time t;
    std::string err;
    if (!absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
      Fail(key, absl::StrCat("is not an RFC 3339 time: ", err));
      return std::nullopt;
    }
    return t;
  }
  absl::Time Time(const char* key) {
    return OptTime(key).value_or(absl::InfinitePast());
  }
  std::optional<absl::Duration> OptDuration(const char* key) {
    std::string s = String(key);
    if (s.empty()) return std::nullopt;
    auto d = ParseDurationJson(s);
    if (!d) Fail(key, "is not a duration such as \"3600s\"");
    return d;
  }
  std::map<std::string, std::string> Labels(const char* key) {
    std::map<std::string, std::string> out;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return out;
    if (!it->is_object()) {
      Fail(key, "must be an object");
      return out;
    }
    for (auto l = it->begin(); l != it->end(); ++l) {
      if (!l.value().is_string()) {
        Fail(key, "values must be strings");
        return out;
      }
      out[l.key()] = l.value().get<std::string>();
    }
    return out;
  }
  std::vector<std::string> Strings(const char* key) {
    std::vector<std::string> out;
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return out;
    if (!it->is_array()) {
      Fail(key, "must be an array");
      return out;
    }
    for (const auto& e : *it) {
      if (!e.is_string()) {
        Fail(key, "must hold strings");
        return out;
      }
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  const Json* Array(const char* key) {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    if (!it->is_array()) {
      Fail(key, "must be an array");
      return nullptr;
    }
    return &*it;
  }
  const Json* Object(const char* key) {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    if (!it->is_object()) {
      Fail(key, "must be an object");
      return nullptr;
    }
    return &*it;
  }
  void Fail(absl::string_view key, absl::string_view why) {
    if (status_.ok()) {
      status_ =
          absl::InvalidArgumentError(absl::StrCat(what_, ".", key, " ", why));
    }
  }
  void Merge(const absl::Status& s) {
    if (status_.ok() && !s.ok()) status_ = s;
  }
  bool Has(const char* key) const { return j_.contains(key); }
  const std::string& what() const { return what_; }
  const absl::Status& status() const { return status_; }

  static std::optional<absl::Duration> ParseDurationJson(absl::string_view s) {
    if (s.size() < 2 || s.back() != 's') return std::nullopt;
    s.remove_suffix(1);
    bool negative = false;
    if (!s.empty() && s.front() == '-') {
      negative = true;
      s.remove_prefix(1);
    }
    std::vector<absl::string_view> parts = absl::StrSplit(s, '.');
    if (parts.size() > 2 || parts[0].empty()) return std::nullopt;
    for (absl::string_view p : parts) {
      for (char c : p) {
        if (c < '0' || c > '9') return std::nullopt;
      }
    }
    int64_t secs = 0;
    if (!absl::SimpleAtoi(parts[0], &secs)) return std::nullopt;
    int64_t nanos = 0;
    if (parts.size() == 2) {
      if (parts[1].empty() || parts[1].size() > 9) return std::nullopt;
      std::string frac(parts[1]);
      frac.append(9 - frac.size(), '0');
      if (!absl::SimpleAtoi(frac, &nanos)) return std::nullopt;
    }
    absl::Duration d = absl::Seconds(secs) + absl::Nanoseconds(nanos);
    return negative ? -d : d;
  }

 private:
  const Json& j_;
  std::string what_;
  absl::Status status_;
};

// Resource names in JSON are split without re-validating the ids, so that
// whatever ToJson wrote comes back exactly.
bool SplitLoose(absl::string_view name,
                const std::vector<absl::string_view>& collections,
                std::vector<std::string>* ids) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 2 * collections.size()) return false;
  ids->clear();
  for (size_t i = 0; i < collections.size(); ++i) {
    if (parts[2 * i] != collections[i]) return false;
    ids->push_back(parts[2 * i + 1]);
  }
  return true;
}

absl::StatusOr<Json> Parse(absl::string_view json, absl::string_view what) {
  Json j = Json::parse(json.begin(), json.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a JSON object"));
  }
  return j;
}

// --- field tables ---
// Each resource lists its fields once, in FieldsOf<T>::Visit, for both
// directions: the Encoder writes them, the Decoder reads them in the same
// order (so the first problem reported is the first field read). Names are
// left to each ToJson/FromJson, since how a name is built differs per type.

// A collection of single-id names such as teams/{team}.
struct Collection {
  absl::string_view plural;
  std::string (*name)(absl::string_view id);
  const char* form;  // what a name that is not one of these "is not"
};

constexpr Collection kDomains{"domains", DomainName,
                              "is not of the form domains/{domain}"};
constexpr Collection kTeams{"teams", TeamName,
                            "is not of the form teams/{team}"};
constexpr Collection kTokens{"tokens", TokenName,
                             "is not of the form tokens/{token}"};
constexpr Collection kContracts{"contracts", ContractName,
                                "is not of the form contracts/{contract}"};
constexpr Collection kAccessRequests{
    "accessRequests", AccessRequestName,
    "is not of the form accessRequests/{access_request}"};
constexpr Collection kGrants{"grants", GrantName,
                             "is not of the form grants/{grant}"};
constexpr Collection kWebhooks{"webhooks", WebhookName,
                               "is not of the form webhooks/{webhook}"};

constexpr char kProductNameForm[] =
    "is not of the form domains/{domain}/dataProducts/{data_product}";
constexpr char kOutputPortNameForm[] =
    "is not of the form "
    "domains/{domain}/dataProducts/{data_product}/outputPorts/{output_port}";
constexpr char kPolicyNameForm[] =
    "is not of the form policies/{policy} or "
    "domains/{domain}/policies/{policy}";

// An enum written as its name.
template <typename E>
struct EnumText {
  absl::string_view (*name)(E);
  std::optional<E> (*parse)(absl::string_view);
  const char* why;  // what a string that names no value "is not"
};

constexpr EnumText<Lifecycle> kLifecycle{LifecycleName, ParseLifecycle,
                                         "is not a lifecycle state"};
constexpr EnumText<Classification> kClassification{
    ClassificationName, ParseClassification, "is not a classification"};
constexpr EnumText<AccessRequestState> kAccessRequestState{
    AccessRequestStateName, ParseAccessRequestState,
    "is not an access request state"};

// FieldsOf<T>::Visit(io, value) visits every field of T but its name.
template <typename T>
struct FieldsOf;

class Encoder {
 public:
  explicit Encoder(Json& j) : j_(j) {}

  // The fields of `v` as a JSON object.
  template <typename T>
  static Json Encode(const T& v) {
    Json j = Json::object();
    Encoder out(j);
    FieldsOf<T>::Visit(out, v);
    return j;
  }

  // Left out when empty.
  void Str(const char* key, const std::string& v) {
    if (!v.empty()) j_[key] = v;
  }
  void StrAlways(const char* key, const std::string& v) { j_[key] = v; }
  // A setting whose absence means the model's default (left out when
  // empty; a bool is always written).
  void Default(const char* key, const std::string& v) { Str(key, v); }
  void Default(const char* key, bool v) { j_[key] = v; }
  void Bool(const char* key, bool v) { j_[key] = v; }
  // Written only when set.
  void Flag(const char* key, bool v) {
    if (v) j_[key] = true;
  }
  template <typename N>
  void Int(const char* key, N v) {
    j_[key] = v;
  }
  void OptDouble(const char* key, const std::optional<double>& v) {
    if (v) j_[key] = *v;
  }
  void Time(const char* key, absl::Time t) {
    if (t != absl::InfinitePast()) j_[key] = FormatTimeJson(t);
  }
  void OptTime(const char* key, const std::optional<absl::Time>& t) {
    if (t) j_[key] = FormatTimeJson(*t);
  }
  // InfiniteFuture ("never") is left out: "infinite-future" is not RFC 3339.
  void ExpireTime(const char* key, absl::Time t) {
    if (t != absl::InfiniteFuture()) Time(key, t);
  }
  void Duration(const char* key, absl::Duration d) {
    j_[key] = FormatDurationJson(d);
  }
  void OptDuration(const char* key, const std::optional<absl::Duration>& d) {
    if (d) j_[key] = FormatDurationJson(*d);
  }
  void Labels(const char* key, const std::map<std::string, std::string>& m) {
    j_[key] = LabelsJson(m);
  }
  void Strings(const char* key, const std::vector<std::string>& v) {
    j_[key] = v;
  }
  // Left out when empty.
  void StringsIfAny(const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) j_[key] = v;
  }
  template <typename E>
  void Enum(const char* key, E v, const EnumText<E>& text) {
    j_[key] = std::string(text.name(v));
  }
  // A reference to `id` in `c`, left out when there is none.
  void Ref(const char* key, const Collection& c, const std::string& id) {
    if (!id.empty()) j_[key] = c.name(id);
  }
  void Product(const char* key, const ProductKey& p) {
    if (!p.domain_id.empty() || !p.product_id.empty()) {
      j_[key] = ProductName(p);
    }
  }
  // An output port's name, left out when there is none.
  void Port(const char* key, const OutputPortRef& port) {
    if (!port.domain_id.empty() || !port.product_id.empty() ||
        !port.port_id.empty()) {
      j_[key] = OutputPortName(port);
    }
  }
  void PortAlways(const char* key, const OutputPortRef& port) {
    j_[key] = OutputPortName(port);
  }
  void Revision(int64_t revision) {
    j_["revision"] = revision;
    j_["etag"] = Etag(revision);
  }
  template <typename T>
  void Objects(const char* key, const std::vector<T>& v) {
    Json out = Json::array();
    for (const T& x : v) out.push_back(Encode(x));
    j_[key] = std::move(out);
  }
  // Left out when it has no fields.
  template <typename T>
  void Object(const char* key, const T& v) {
    Json out = Encode(v);
    if (!out.empty()) j_[key] = std::move(out);
  }

 private:
  Json& j_;
};

// The reading side of Encoder: what Encoder leaves out reads back as the
// model's zero (or default) value.
class Decoder {
 public:
  Decoder(const Json& j, std::string what) : r_(j, std::move(what)) {}

  void Str(const char* key, std::string& v) { v = r_.String(key); }
  void StrAlways(const char* key, std::string& v) { v = r_.String(key); }
  void Default(const char* key, std::string& v) {
    if (r_.Has(key)) v = r_.String(key);
  }
  void Default(const char* key, bool& v) {
    if (r_.Has(key)) v = r_.Bool(key);
  }
  void Bool(const char* key, bool& v) { v = r_.Bool(key); }
  void Flag(const char* key, bool& v) { v = r_.Bool(key); }
  template <typename N>
  void Int(const char* key, N& v) {
    v = static_cast<N>(r_.Int(key));
  }
  void OptDouble(const char* key, std::optional<double>& v) {
    v = r_.Double(key);
  }
  void Time(const char* key, absl::Time& t) { t = r_.Time(key); }
  void OptTime(const char* key, std::optional<absl::Time>& t) {
    t = r_.OptTime(key);
  }
  void ExpireTime(const char* key, absl::Time& t) {
    t = r_.OptTime(key).value_or(absl::InfiniteFuture());
  }
  void Duration(const char* key, absl::Duration& d) {
    d = r_.OptDuration(key).value_or(absl::ZeroDuration());
  }
  void OptDuration(const char* key, std::optional<absl::Duration>& d) {
    d = r_.OptDuration(key);
  }
  void Labels(const char* key, std::map<std::string, std::string>& m) {
    m = r_.Labels(key);
  }
  void Strings(const char* key, std::vector<std::string>& v) {
    v = r_.Strings(key);
  }
  void StringsIfAny(const char* key, std::vector<std::string>& v) {
    v = r_.Strings(key);
  }
  template <typename E>
  void Enum(const char* key, E& v, const EnumText<E>& text) {
    std::string s = r_.String(key);
    if (s.empty()) return;
    std::optional<E> parsed = text.parse(s);
    if (!parsed) {
      r_.Fail(key, text.why);
    } else {
      v = *parsed;
    }
  }
  void Ref(const char* key, const Collection& c, std::string& id) {
    std::vector<std::string> ids;
    if (OptIds(key, {c.plural}, c.form, &ids)) id = ids[0];
  }
  void Product(const char* key, ProductKey& p) {
    std::vector<std::string> ids;
    if (OptIds(key, {"domains", "dataProducts"}, kProductNameForm, &ids)) {
      p = ProductKey{ids[0], ids[1]};
    }
  }
  void Port(const char* key, OutputPortRef& port) {
    std::vector<std::string> ids;
    if (OptIds(key, {"domains", "dataProducts", "outputPorts"},
               kOutputPortNameForm, &ids)) {
      port = OutputPortRef{ids[0], ids[1], ids[2]};
    }
  }
  // Required: an absent port is a problem.
  void PortAlways(const char* key, OutputPortRef& port) {
    std::vector<std::string> ids;
    if (Ids(key, {"domains", "dataProducts", "outputPorts"},
            "is not an output port name", &ids)) {
      port = OutputPortRef{ids[0], ids[1], ids[2]};
    }
  }
  void Revision(int64_t& revision) { revision = r_.Int("revision"); }
  template <typename T>
  void Objects(const char* key, std::vector<T>& v) {
    const Json* items = r_.Array(key);
    if (items == nullptr) return;
    for (const Json& item : *items) {
      if (!item.is_object()) {
        r_.Fail(key, "must hold objects");
        break;
      }
      Decoder in(item, absl::StrCat(r_.what(), ".", key, "[]"));
      T x;
      FieldsOf<T>::Visit(in, x);
      r_.Merge(in.status());
      v.push_back(std::move(x));
    }
  }
  template <typename T>
  void Object(const char* key, T& v) {
    const Json* object = r_.Object(key);
    if (object == nullptr) return;
    Decoder in(*object, absl::StrCat(r_.what(), ".", key));
    FieldsOf<T>::Visit(in, v);
    r_.Merge(in.status());
  }

  // The name, required, of a resource in `c`.
  void Name(const Collection& c, std::string& id) {
    std::vector<std::string> ids;
    if (Ids("name", {c.plural}, c.form, &ids)) id = ids[0];
  }
  // Splits the name in `key` into the ids of `collections`; false, with
  // `form` noted as the problem, when it is not such a name.
  bool Ids(const char* key, const std::vector<absl::string_view>& collections,
           absl::string_view form, std::vector<std::string>* ids) {
    return SplitOrFail(key, r_.String(key), collections, form, ids);
  }
  // As Ids, but an absent or empty `key` is no name and no problem.
  bool OptIds(const char* key,
              const std::vector<absl::string_view>& collections,
              absl::string_view form, std::vector<std::string>* ids) {
    std::string name = r_.String(key);
    return !name.empty() && SplitOrFail(key, name, collections, form, ids);
  }

  Reader& reader() { return r_; }
  const absl::Status& status() const { return r_.status(); }

 private:
  bool SplitOrFail(const char* key, absl::string_view name,
                   const std::vector<absl::string_view>& collections,
                   absl::string_view form, std::vector<std::string>* ids) {
    if (SplitLoose(name, collections, ids)) return true;
    r_.Fail(key, form);
    return false;
  }

  Reader r_;
};

// Decodes a T: `read_name(decoder, value)` reads its name (and whatever is
// checked against the name), FieldsOf<T> the rest.
template <typename T, typename ReadName>
absl::StatusOr<T> Decode(absl::string_view json, const char* what,
                         ReadName read_name) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, what));
  Decoder in(j, what);
  T v;
  read_name(in, v);
  FieldsOf<T>::Visit(in, v);
  if (!in.status().ok()) return in.status();
  return v;
}

// Splits a policy name, global (policies/{id}) or of a domain
// (domains/{domain}/policies/{id}), into its key.
bool SplitPolicyName(absl::string_view name, PolicyKey* key) {
  std::vector<std::string> ids;
  if (SplitLoose(name, {"policies"}, &ids)) {
    *key = PolicyKey{"", ids[0]};
    return true;
  }
  if (SplitLoose(name, {"domains", "policies"}, &ids)) {
    *key = PolicyKey{ids[0], ids[1]};
    return true;
  }
  return false;
}

// ----------------------------------------------------------------- Domain

template <>
struct FieldsOf<Domain> {
  template <typename Io, typename D>
  static void Visit(Io& io, D& d) {
    io.Str("uid", d.uid);
    io.Str("display_name", d.display_name);
    io.Str("description", d.description);
    io.Ref("parent", kDomains, d.parent_id);
    io.Ref("owner_team", kTeams, d.owner_team_id);
    io.Labels("labels", d.labels);
    io.Time("create_time", d.create_time);
    io.Time("update_time", d.update_time);
    io.Revision(d.revision);
  }
};

// ------------------------------------------------------------------- Team

template <>
struct FieldsOf<Team> {
  template <typename Io, typename T>
  static void Visit(Io& io, T& t) {
    io.Str("uid", t.uid);
    io.Str("display_name", t.display_name);
    io.Str("description", t.description);
    io.Strings("members", t.members);
    io.Time("create_time", t.create_time);
    io.Time("update_time", t.update_time);
    io.Revision(t.revision);
  }
};

// ------------------------------------------------------------ DataProduct

template <>
struct FieldsOf<ServiceLevelObjectives> {
  template <typename Io, typename S>
  static void Visit(Io& io, S& s) {
    io.OptDouble("availability_percent", s.availability_percent);
    io.OptDuration("max_staleness", s.max_staleness);
    io.OptDouble("completeness_percent", s.completeness_percent);
    io.OptDuration("latency", s.latency);
  }
};

// A port's name is its product's name and its id: ToJson(DataProduct) adds
// it, and reading ignores it.
template <>
struct FieldsOf<OutputPort> {
  template <typename Io, typename P>
  static void Visit(Io& io, P& port) {
    io.StrAlways("id", port.id);
    io.Str("display_name", port.display_name);
    io.Str("type", port.type);
    io.Str("server", port.server);
    io.Str("location", port.location);
    io.Str("description", port.description);
    io.Str("contract", port.contract_id);
    io.Object("objectives", port.objectives);
    io.Flag("deprecated", port.deprecated);
  }
};

template <>
struct FieldsOf<InputPort> {
  template <typename Io, typename P>
  static void Visit(Io& io, P& port) {
    io.StrAlways("id", port.id);
    io.PortAlways("source", port.source);
    io.Str("description", port.description);
    io.Flag("deprecated", port.deprecated);
  }
};

template <>
struct FieldsOf<DataProduct> {
  template <typename Io, typename P>
  static void Visit(Io& io, P& p) {
    io.Str("uid", p.uid);
    io.Str("display_name", p.display_name);
    io.Str("description", p.description);
    io.Ref("owner_team", kTeams, p.owner_team_id);
    io.Enum("lifecycle", p.lifecycle, kLifecycle);
    io.Int("tier", p.tier);
    io.Enum("classification", p.classification, kClassification);
    io.Strings("tags", p.tags);
    io.Labels("labels", p.labels);
    io.Objects("output_ports", p.output_ports);
    io.Objects("input_ports", p.input_ports);
    io.OptTime("sunset_time", p.sunset_time);
    io.Str("archetype", p.archetype);
    io.Str("odps_document", p.odps_document);
    io.Time("create_time", p.create_time);
    io.Time("update_time", p.update_time);
    io.Revision(p.revision);
  }
};

// --------------------------------------------------------------- ApiToken

template <>
struct FieldsOf<ApiToken> {
  template <typename Io, typename T>
  static void Visit(Io& io, T& t) {
    io.StrAlways("principal", t.principal);
    io.Str("description", t.description);
    io.Bool("platform_admin", t.platform_admin);
    io.Time("create_time", t.create_time);
    io.OptTime("expire_time", t.expire_time);
    io.OptTime("revoke_time", t.revoke_time);
    io.Str("created_by", t.created_by);
  }
};

// ----------------------------------------------------------------- Policy

template <>
struct FieldsOf<Policy> {
  template <typename Io, typename P>
  static void Visit(Io& io, P& p) {
    io.Str("uid", p.uid);
    io.Str("display_name", p.display_name);
    io.Str("description", p.description);
    io.Strings("triggers", p.triggers);
    io.Str("condition", p.condition);
    io.Default("effect", p.effect);
    io.Default("enforcement", p.enforcement);
    io.Str("message", p.message);
    io.Str("message_expression", p.message_expression);
    io.Labels("labels", p.labels);
    io.Ref("owner", kTeams, p.owner_team_id);
    io.Default("waivable", p.waivable);
    io.Time("create_time", p.create_time);
    io.Time("update_time", p.update_time);
    io.Revision(p.revision);
  }
};

// ----------------------------------------------------------------- Waiver

// The policy (in `name` and in `policy`) is read with the name.
template <>
struct FieldsOf<Waiver> {
  template <typename Io, typename W>
  static void Visit(Io& io, W& w) {
    io.Str("uid", w.uid);
    io.Str("resource", w.resource);
    io.Str("reason", w.reason);
    io.Time("expire_time", w.expire_time);
    io.Str("created_by", w.created_by);
    io.Time("create_time", w.create_time);
    io.Int("policy_revision", w.policy_revision);
  }
};

// --------------------------------------------------------------- Contract

template <>
struct FieldsOf<Contract> {
  template <typename Io, typename C>
  static void Visit(Io& io, C& c) {
    io.Str("uid", c.uid);
    io.Product("data_product", c.product);
    io.Str("display_name", c.display_name);
    io.Str("description", c.description);
    io.Default("compatibility_mode", c.compatibility_mode);
    io.Default("state", c.state);
    io.Str("deprecation_message", c.deprecation_message);
    io.Str("latest_version", c.latest_version);
    io.Int("version_count", c.version_count);
    io.Labels("labels", c.labels);
    io.Time("create_time", c.create_time);
    io.Time("update_time", c.update_time);
    io.Revision(c.revision);
  }
};

// The contract and version (in `name`, `contract` and `version`) are read
// with the name.
template <>
struct FieldsOf<ContractVersion> {
  template <typename Io, typename V>
  static void Visit(Io& io, V& v) {
    io.Int("major", v.major);
    io.Int("minor", v.minor);
    io.Int("patch", v.patch);
    io.Str("prerelease", v.prerelease);
    io.Str("status", v.status);
    io.Str("original_yaml", v.original_yaml);
    io.Str("normalized_json", v.normalized_json);
    io.Str("content_hash", v.content_hash);
    io.Str("published_by", v.published_by);
    io.Time("create_time", v.create_time);
    io.Str("report_json", v.report_json);
  }
};

// ----------------------------------------------------------------- Access

template <>
struct FieldsOf<AccessRequest> {
  template <typename Io, typename A>
  static void Visit(Io& io, A& a) {
    io.Str("uid", a.uid);
    io.Port("output_port", a.port);
    io.Str("consumer", a.consumer);
    io.Str("requester", a.requester);
    io.Strings("actions", a.actions);
    io.Str("purpose", a.purpose);
    io.Duration("duration", a.duration);
    io.Enum("state", a.state, kAccessRequestState);
    io.Str("decision", a.decision_json);
    io.Ref("grant", kGrants, a.grant_id);
    io.Str("reviewer", a.reviewer);
    io.Str("review_comment", a.review_comment);
    io.Time("create_time", a.create_time);
    io.Time("update_time", a.update_time);
    io.ExpireTime("expire_time", a.expire_time);
    io.Revision(a.revision);
  }
};

template <>
struct FieldsOf<Grant> {
  template <typename Io, typename G>
  static void Visit(Io& io, G& g) {
    io.Str("uid", g.uid);
    io.Port("output_port", g.port);
    io.Str("consumer", g.consumer);
    io.Strings("actions", g.actions);
    io.Str("purpose", g.purpose);
    io.Ref("access_request", kAccessRequests, g.access_request_id);
    io.Str("granted_by", g.granted_by);
    io.Time("create_time", g.create_time);
    io.ExpireTime("expire_time", g.expire_time);
    io.OptTime("revoke_time", g.revoke_time);
    io.Str("revoked_by", g.revoked_by);
    io.Str("revoke_reason", g.revoke_reason);
    io.Revision(g.revision);
  }
};

// ---------------------------------------------------------------- Webhook

template <>
struct FieldsOf<Webhook> {
  template <typename Io, typename W>
  static void Visit(Io& io, W& w) {
    io.StrAlways("url", w.url);
    io.StringsIfAny("resource_types", w.resource_types);
    io.Ref("domain", kDomains, w.domain_id);
    io.Bool("include_subdomains", w.include_subdomains);
    io.Int("delivered_sequence", w.delivered_sequence);
    io.Str("creator", w.creator);
    io.Time("create_time", w.create_time);
  }
};

// Encodes `v` with `name`.
template <typename T>
std::string ToJsonNamed(const T& v, std::string name) {
  Json j = Encoder::Encode(v);
  j["name"] = std::move(name);
  return j.dump();
}

// Access names are refused when their id is empty too, unlike the others.
template <typename T>
void ReadAccessName(Decoder& in, const Collection& c, T& v) {
  in.Name(c, v.id);
  if (in.status().ok() && v.id.empty()) in.reader().Fail("name", c.form);
}

}  // namespace

std::string Etag(int64_t revision) { return absl::StrCat(revision); }

std::string ToJson(const Domain& d) { return ToJsonNamed(d, DomainName(d.id)); }

absl::StatusOr<Domain> DomainFromJson(absl::string_view json) {
  return Decode<Domain>(
      json, "domain", [](Decoder& in, Domain& d) { in.Name(kDomains, d.id); });
}

std::string ToJson(const Team& t) { return ToJsonNamed(t, TeamName(t.id)); }

absl::StatusOr<Team> TeamFromJson(absl::string_view json) {
  return Decode<Team>(json, "team",
                      [](Decoder& in, Team& t) { in.Name(kTeams, t.id); });
}

std::string ToJson(const DataProduct& p) {
  Json j = Encoder::Encode(p);
  j["name"] = ProductName(p.key());
  for (size_t i = 0; i < p.output_ports.size(); ++i) {
    j["output_ports"][i]["name"] =
        OutputPortName({p.domain_id, p.id, p.output_ports[i].id});
  }
  return j.dump();
}

absl::StatusOr<DataProduct> DataProductFromJson(absl::string_view json) {
  return Decode<DataProduct>(
      json, "data_product", [](Decoder& in, DataProduct& p) {
        std::vector<std::string> ids;
        if (in.Ids("name", {"domains", "dataProducts"},
                   "is not of the form domains/{domain}/dataProducts/{id}",
                   &ids)) {
          p.domain_id = ids[0];
          p.id = ids[1];
        }
      });
}

std::string ToJson(const ApiToken& t) {
  return ToJsonNamed(t, TokenName(t.id));
}

absl::StatusOr<ApiToken> ApiTokenFromJson(absl::string_view json) {
  return Decode<ApiToken>(
      json, "token", [](Decoder& in, ApiToken& t) { in.Name(kTokens, t.id); });
}

std::string ToJson(const Policy& p) {
  return ToJsonNamed(p, PolicyName(p.key()));
}

absl::StatusOr<Policy> PolicyFromJson(absl::string_view json) {
  return Decode<Policy>(json, "policy", [](Decoder& in, Policy& p) {
    Reader& r = in.reader();
    PolicyKey key;
    if (!SplitPolicyName(r.String("name"), &key)) {
      r.Fail("name", kPolicyNameForm);
    } else {
      p.domain_id = key.domain_id;
      p.id = key.id;
    }
  });
}

std::string ToJson(const Waiver& w) {
  Json j = Encoder::Encode(w);
  j["name"] = WaiverName(w);
  j["policy"] = PolicyName(w.policy);
  return j.dump();
}

absl::StatusOr<Waiver> WaiverFromJson(absl::string_view json) {
  return Decode<Waiver>(json, "waiver", [](Decoder& in, Waiver& w) {
    Reader& r = in.reader();
    std::string name = r.String("name");
    size_t cut = name.rfind("/waivers/");
    if (cut == std::string::npos || cut + 9 >= name.size() ||
        !SplitPolicyName(absl::string_view(name).substr(0, cut), &w.policy) ||
        name.find('/', cut + 9) != std::string::npos) {
      r.Fail("name",
             "is not of the form {policy}/waivers/{waiver} with {policy} a "
             "policy name");
    } else {
      w.id = name.substr(cut + 9);
    }
    std::string policy = r.String("policy");
    PolicyKey from_field;
    if (!policy.empty()) {
      if (!SplitPolicyName(policy, &from_field)) {
        r.Fail("policy", kPolicyNameForm);
      } else if (r.status().ok() && !(from_field == w.policy)) {
        r.Fail("policy", absl::StrCat("\"", policy,
                                      "\" is not the policy named in name \"",
                                      name, "\""));
      }
    }
  });
}

std::string ToJson(const Contract& c) {
  return ToJsonNamed(c, ContractName(c.id));
}

absl::StatusOr<Contract> ContractFromJson(absl::string_view json) {
  return Decode<Contract>(json, "contract", [](Decoder& in, Contract& c) {
    in.Name(kContracts, c.id);
  });
}

std::string ToJson(const ContractVersion& v) {
  Json j = Encoder::Encode(v);
  j["name"] = ContractVersionName(v.contract_id, v.version);
  j["contract"] = ContractName(v.contract_id);
  j["version"] = v.version;
  return j.dump();
}

absl::StatusOr<ContractVersion> ContractVersionFromJson(
    absl::string_view json) {
  return Decode<ContractVersion>(
      json, "contract_version", [](Decoder& in, ContractVersion& v) {
        Reader& r = in.reader();
        std::string name = r.String("name");
        std::vector<std::string> ids;
        if (!SplitLoose(name, {"contracts", "versions"}, &ids)) {
          r.Fail("name",
                 "is not of the form contracts/{contract}/versions/{version}");
        } else {
          v.contract_id = ids[0];
          v.version = ids[1];
        }
        std::string contract = r.String("contract");
        if (!contract.empty()) {
          if (!SplitLoose(contract, {"contracts"}, &ids)) {
            r.Fail("contract", kContracts.form);
          } else if (r.status().ok() && ids[0] != v.contract_id) {
            r.Fail("contract",
                   absl::StrCat("\"", contract,
                                "\" is not the contract named in name \"", name,
                                "\""));
          }
        }
        std::string version = r.String("version");
        if (r.status().ok() && !version.empty() && version != v.version) {
          r.Fail("version", absl::StrCat("\"", version,
                                         "\" is not the version named in "
                                         "name \"",
                                         name, "\""));
        }
      });
}

std::string ToJson(const AccessRequest& a) {
  return ToJsonNamed(a, AccessRequestName(a.id));
}

absl::StatusOr<AccessRequest> AccessRequestFromJson(absl::string_view json) {
  return Decode<AccessRequest>(json, "access_request",
                               [](Decoder& in, AccessRequest& a) {
                                 ReadAccessName(in, kAccessRequests, a);
                               });
}

std::string ToJson(const Grant& g) { return ToJsonNamed(g, GrantName(g.id)); }

absl::StatusOr<Grant> GrantFromJson(absl::string_view json) {
  return Decode<Grant>(json, "grant", [](Decoder& in, Grant& g) {
    ReadAccessName(in, kGrants, g);
  });
}

std::string ToJson(const Webhook& w) {
  return ToJsonNamed(w, WebhookName(w.id));
}

absl::StatusOr<Webhook> WebhookFromJson(absl::string_view json) {
  return Decode<Webhook>(json, "webhook", [](Decoder& in, Webhook& w) {
    in.Name(kWebhooks, w.id);
  });
}

}  // namespace meshplane::model
