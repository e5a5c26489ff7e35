#include "meshplane/model/json.h"

#include <cstdint>
#include <cstdlib>
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

void PutTime(Json& j, const char* key, absl::Time t) {
  if (t != absl::InfinitePast()) j[key] = FormatTimeJson(t);
}

void PutString(Json& j, const char* key, const std::string& v) {
  if (!v.empty()) j[key] = v;
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

}  // namespace

std::string Etag(int64_t revision) { return absl::StrCat(revision); }

// ----------------------------------------------------------------- Domain

std::string ToJson(const Domain& d) {
  Json j = Json::object();
  j["name"] = DomainName(d.id);
  PutString(j, "uid", d.uid);
  PutString(j, "display_name", d.display_name);
  PutString(j, "description", d.description);
  if (!d.parent_id.empty()) j["parent"] = DomainName(d.parent_id);
  if (!d.owner_team_id.empty()) j["owner_team"] = TeamName(d.owner_team_id);
  j["labels"] = LabelsJson(d.labels);
  PutTime(j, "create_time", d.create_time);
  PutTime(j, "update_time", d.update_time);
  j["revision"] = d.revision;
  j["etag"] = Etag(d.revision);
  return j.dump();
}

absl::StatusOr<Domain> DomainFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "domain"));
  Reader r(j, "domain");
  Domain d;
  std::vector<std::string> ids;
  std::string name = r.String("name");
  if (!SplitLoose(name, {"domains"}, &ids)) {
    r.Fail("name", "is not of the form domains/{domain}");
  } else {
    d.id = ids[0];
  }
  d.uid = r.String("uid");
  d.display_name = r.String("display_name");
  d.description = r.String("description");
  std::string parent = r.String("parent");
  if (!parent.empty()) {
    if (!SplitLoose(parent, {"domains"}, &ids)) {
      r.Fail("parent", "is not of the form domains/{domain}");
    } else {
      d.parent_id = ids[0];
    }
  }
  std::string owner = r.String("owner_team");
  if (!owner.empty()) {
    if (!SplitLoose(owner, {"teams"}, &ids)) {
      r.Fail("owner_team", "is not of the form teams/{team}");
    } else {
      d.owner_team_id = ids[0];
    }
  }
  d.labels = r.Labels("labels");
  d.create_time = r.Time("create_time");
  d.update_time = r.Time("update_time");
  d.revision = r.Int("revision");
  if (!r.status().ok()) return r.status();
  return d;
}

// ------------------------------------------------------------------- Team

std::string ToJson(const Team& t) {
  Json j = Json::object();
  j["name"] = TeamName(t.id);
  PutString(j, "uid", t.uid);
  PutString(j, "display_name", t.display_name);
  PutString(j, "description", t.description);
  j["members"] = t.members;
  PutTime(j, "create_time", t.create_time);
  PutTime(j, "update_time", t.update_time);
  j["revision"] = t.revision;
  j["etag"] = Etag(t.revision);
  return j.dump();
}

absl::StatusOr<Team> TeamFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "team"));
  Reader r(j, "team");
  Team t;
  std::vector<std::string> ids;
  if (!SplitLoose(r.String("name"), {"teams"}, &ids)) {
    r.Fail("name", "is not of the form teams/{team}");
  } else {
    t.id = ids[0];
  }
  t.uid = r.String("uid");
  t.display_name = r.String("display_name");
  t.description = r.String("description");
  t.members = r.Strings("members");
  t.create_time = r.Time("create_time");
  t.update_time = r.Time("update_time");
  t.revision = r.Int("revision");
  if (!r.status().ok()) return r.status();
  return t;
}

// ------------------------------------------------------------ DataProduct

std::string ToJson(const DataProduct& p) {
  Json j = Json::object();
  j["name"] = ProductName(p.key());
  PutString(j, "uid", p.uid);
  PutString(j, "display_name", p.display_name);
  PutString(j, "description", p.description);
  if (!p.owner_team_id.empty()) j["owner_team"] = TeamName(p.owner_team_id);
  j["lifecycle"] = std::string(LifecycleName(p.lifecycle));
  j["tier"] = p.tier;
  j["classification"] = std::string(ClassificationName(p.classification));
  j["tags"] = p.tags;
  j["labels"] = LabelsJson(p.labels);
  Json outs = Json::array();
  for (const OutputPort& o : p.output_ports) {
    Json oj = Json::object();
    oj["id"] = o.id;
    oj["name"] = OutputPortName({p.domain_id, p.id, o.id});
    PutString(oj, "display_name", o.display_name);
    PutString(oj, "type", o.type);
    PutString(oj, "server", o.server);
    PutString(oj, "location", o.location);
    PutString(oj, "description", o.description);
    PutString(oj, "contract", o.contract_id);
    Json slo = Json::object();
    const ServiceLevelObjectives& s = o.objectives;
    if (s.availability_percent)
      slo["availability_percent"] = *s.availability_percent;
    if (s.max_staleness)
      slo["max_staleness"] = FormatDurationJson(*s.max_staleness);
    if (s.completeness_percent)
      slo["completeness_percent"] = *s.completeness_percent;
    if (s.latency) slo["latency"] = FormatDurationJson(*s.latency);
    if (!slo.empty()) oj["objectives"] = slo;
    if (o.deprecated) oj["deprecated"] = true;
    outs.push_back(std::move(oj));
  }
  j["output_ports"] = std::move(outs);
  Json ins = Json::array();
  for (const InputPort& i : p.input_ports) {
    Json ij = Json::object();
    ij["id"] = i.id;
    ij["source"] = OutputPortName(i.source);
    PutString(ij, "description", i.description);
    if (i.deprecated) ij["deprecated"] = true;
    ins.push_back(std::move(ij));
  }
  j["input_ports"] = std::move(ins);
  if (p.sunset_time) j["sunset_time"] = FormatTimeJson(*p.sunset_time);
  PutString(j, "archetype", p.archetype);
  PutString(j, "odps_document", p.odps_document);
  PutTime(j, "create_time", p.create_time);
  PutTime(j, "update_time", p.update_time);
  j["revision"] = p.revision;
  j["etag"] = Etag(p.revision);
  return j.dump();
}

absl::StatusOr<DataProduct> DataProductFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "data_product"));
  Reader r(j, "data_product");
  DataProduct p;
  std::vector<std::string> ids;
  if (!SplitLoose(r.String("name"), {"domains", "dataProducts"}, &ids)) {
    r.Fail("name", "is not of the form domains/{domain}/dataProducts/{id}");
  } else {
    p.domain_id = ids[0];
    p.id = ids[1];
  }
  p.uid = r.String("uid");
  p.display_name = r.String("display_name");
  p.description = r.String("description");
  std::string owner = r.String("owner_team");
  if (!owner.empty()) {
    if (!SplitLoose(owner, {"teams"}, &ids)) {
      r.Fail("owner_team", "is not of the form teams/{team}");
    } else {
      p.owner_team_id = ids[0];
    }
  }
  std::string lifecycle = r.String("lifecycle");
  if (!lifecycle.empty()) {
    auto l = ParseLifecycle(lifecycle);
    if (!l) {
      r.Fail("lifecycle", "is not a lifecycle state");
    } else {
      p.lifecycle = *l;
    }
  }
  p.tier = static_cast<int>(r.Int("tier"));
  std::string classification = r.String("classification");
  if (!classification.empty()) {
    auto c = ParseClassification(classification);
    if (!c) {
      r.Fail("classification", "is not a classification");
    } else {
      p.classification = *c;
    }
  }
  p.tags = r.Strings("tags");
  p.labels = r.Labels("labels");
  if (const Json* outs = r.Array("output_ports")) {
    for (const Json& oj : *outs) {
      if (!oj.is_object()) {
        r.Fail("output_ports", "must hold objects");
        break;
      }
      Reader o(oj, "data_product.output_ports[]");
      OutputPort port;
      port.id = o.String("id");
      port.display_name = o.String("display_name");
      port.type = o.String("type");
      port.server = o.String("server");
      port.location = o.String("location");
      port.description = o.String("description");
      port.contract_id = o.String("contract");
      if (const Json* slo = o.Object("objectives")) {
        Reader s(*slo, "data_product.output_ports[].objectives");
        port.objectives.availability_percent = s.Double("availability_percent");
        port.objectives.max_staleness = s.OptDuration("max_staleness");
        port.objectives.completeness_percent = s.Double("completeness_percent");
        port.objectives.latency = s.OptDuration("latency");
        o.Merge(s.status());
      }
      port.deprecated = o.Bool("deprecated");
      r.Merge(o.status());
      p.output_ports.push_back(std::move(port));
    }
  }
  if (const Json* ins = r.Array("input_ports")) {
    for (const Json& ij : *ins) {
      if (!ij.is_object()) {
        r.Fail("input_ports", "must hold objects");
        break;
      }
      Reader i(ij, "data_product.input_ports[]");
      InputPort port;
      port.id = i.String("id");
      if (!SplitLoose(i.String("source"),
                      {"domains", "dataProducts", "outputPorts"}, &ids)) {
        i.Fail("source", "is not an output port name");
      } else {
        port.source = OutputPortRef{ids[0], ids[1], ids[2]};
      }
      port.description = i.String("description");
      port.deprecated = i.Bool("deprecated");
      r.Merge(i.status());
      p.input_ports.push_back(std::move(port));
    }
  }
  p.sunset_time = r.OptTime("sunset_time");
  p.archetype = r.String("archetype");
  p.odps_document = r.String("odps_document");
  p.create_time = r.Time("create_time");
  p.update_time = r.Time("update_time");
  p.revision = r.Int("revision");
  if (!r.status().ok()) return r.status();
  return p;
}

// --------------------------------------------------------------- ApiToken

std::string ToJson(const ApiToken& t) {
  Json j = Json::object();
  j["name"] = TokenName(t.id);
  j["principal"] = t.principal;
  PutString(j, "description", t.description);
  j["platform_admin"] = t.platform_admin;
  PutTime(j, "create_time", t.create_time);
  if (t.expire_time) j["expire_time"] = FormatTimeJson(*t.expire_time);
  if (t.revoke_time) j["revoke_time"] = FormatTimeJson(*t.revoke_time);
  PutString(j, "created_by", t.created_by);
  return j.dump();
}

absl::StatusOr<ApiToken> ApiTokenFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "token"));
  Reader r(j, "token");
  ApiToken t;
  std::vector<std::string> ids;
  if (!SplitLoose(r.String("name"), {"tokens"}, &ids)) {
    r.Fail("name", "is not of the form tokens/{token}");
  } else {
    t.id = ids[0];
  }
  t.principal = r.String("principal");
  t.description = r.String("description");
  t.platform_admin = r.Bool("platform_admin");
  t.create_time = r.Time("create_time");
  t.expire_time = r.OptTime("expire_time");
  t.revoke_time = r.OptTime("revoke_time");
  t.created_by = r.String("created_by");
  if (!r.status().ok()) return r.status();
  return t;
}

// ----------------------------------------------------------------- Policy

namespace {

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

constexpr char kPolicyNameForm[] =
    "is not of the form policies/{policy} or "
    "domains/{domain}/policies/{policy}";

}  // namespace

std::string ToJson(const Policy& p) {
  Json j = Json::object();
  j["name"] = PolicyName(p.key());
  PutString(j, "uid", p.uid);
  PutString(j, "display_name", p.display_name);
  PutString(j, "description", p.description);
  j["triggers"] = p.triggers;
  PutString(j, "condition", p.condition);
  PutString(j, "effect", p.effect);
  PutString(j, "enforcement", p.enforcement);
  PutString(j, "message", p.message);
  PutString(j, "message_expression", p.message_expression);
  j["labels"] = LabelsJson(p.labels);
  if (!p.owner_team_id.empty()) j["owner"] = TeamName(p.owner_team_id);
  j["waivable"] = p.waivable;
  PutTime(j, "create_time", p.create_time);
  PutTime(j, "update_time", p.update_time);
  j["revision"] = p.revision;
  j["etag"] = Etag(p.revision);
  return j.dump();
}

absl::StatusOr<Policy> PolicyFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "policy"));
  Reader r(j, "policy");
  Policy p;
  PolicyKey key;
  if (!SplitPolicyName(r.String("name"), &key)) {
    r.Fail("name", kPolicyNameForm);
  } else {
    p.domain_id = key.domain_id;
    p.id = key.id;
  }
  p.uid = r.String("uid");
  p.display_name = r.String("display_name");
  p.description = r.String("description");
  p.triggers = r.Strings("triggers");
  p.condition = r.String("condition");
  // Absent means the model's default, not "".
  if (j.contains("effect")) p.effect = r.String("effect");
  if (j.contains("enforcement")) p.enforcement = r.String("enforcement");
  p.message = r.String("message");
  p.message_expression = r.String("message_expression");
  p.labels = r.Labels("labels");
  std::string owner = r.String("owner");
  std::vector<std::string> ids;
  if (!owner.empty()) {
    if (!SplitLoose(owner, {"teams"}, &ids)) {
      r.Fail("owner", "is not of the form teams/{team}");
    } else {
      p.owner_team_id = ids[0];
    }
  }
  if (j.contains("waivable")) p.waivable = r.Bool("waivable");
  p.create_time = r.Time("create_time");
  p.update_time = r.Time("update_time");
  p.revision = r.Int("revision");
  if (!r.status().ok()) return r.status();
  return p;
}

// ----------------------------------------------------------------- Waiver

std::string ToJson(const Waiver& w) {
  Json j = Json::object();
  j["name"] = WaiverName(w);
  PutString(j, "uid", w.uid);
  j["policy"] = PolicyName(w.policy);
  PutString(j, "resource", w.resource);
  PutString(j, "reason", w.reason);
  PutTime(j, "expire_time", w.expire_time);
  PutString(j, "created_by", w.created_by);
  PutTime(j, "create_time", w.create_time);
  j["policy_revision"] = w.policy_revision;
  return j.dump();
}

absl::StatusOr<Waiver> WaiverFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "waiver"));
  Reader r(j, "waiver");
  Waiver w;
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
      r.Fail("policy",
             absl::StrCat("\"", policy, "\" is not the policy named in name \"",
                          name, "\""));
    }
  }
  w.uid = r.String("uid");
  w.resource = r.String("resource");
  w.reason = r.String("reason");
  w.expire_time = r.Time("expire_time");
  w.created_by = r.String("created_by");
  w.create_time = r.Time("create_time");
  w.policy_revision = r.Int("policy_revision");
  if (!r.status().ok()) return r.status();
  return w;
}

// --------------------------------------------------------------- Contract

namespace {

constexpr char kProductNameForm[] =
    "is not of the form domains/{domain}/dataProducts/{data_product}";

}  // namespace

std::string ToJson(const Contract& c) {
  Json j = Json::object();
  j["name"] = ContractName(c.id);
  PutString(j, "uid", c.uid);
  if (!c.product.domain_id.empty() || !c.product.product_id.empty()) {
    j["data_product"] = ProductName(c.product);
  }
  PutString(j, "display_name", c.display_name);
  PutString(j, "description", c.description);
  PutString(j, "compatibility_mode", c.compatibility_mode);
  PutString(j, "state", c.state);
  PutString(j, "deprecation_message", c.deprecation_message);
  PutString(j, "latest_version", c.latest_version);
  j["version_count"] = c.version_count;
  j["labels"] = LabelsJson(c.labels);
  PutTime(j, "create_time", c.create_time);
  PutTime(j, "update_time", c.update_time);
  j["revision"] = c.revision;
  j["etag"] = Etag(c.revision);
  return j.dump();
}

absl::StatusOr<Contract> ContractFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "contract"));
  Reader r(j, "contract");
  Contract c;
  std::vector<std::string> ids;
  if (!SplitLoose(r.String("name"), {"contracts"}, &ids)) {
    r.Fail("name", "is not of the form contracts/{contract}");
  } else {
    c.id = ids[0];
  }
  c.uid = r.String("uid");
  std::string product = r.String("data_product");
  if (!product.empty()) {
    if (!SplitLoose(product, {"domains", "dataProducts"}, &ids)) {
      r.Fail("data_product", kProductNameForm);
    } else {
      c.product = ProductKey{ids[0], ids[1]};
    }
  }
  c.display_name = r.String("display_name");
  c.description = r.String("description");
  // Absent means the model's default, not "".
  if (j.contains("compatibility_mode")) {
    c.compatibility_mode = r.String("compatibility_mode");
  }
  if (j.contains("state")) c.state = r.String("state");
  c.deprecation_message = r.String("deprecation_message");
  c.latest_version = r.String("latest_version");
  c.version_count = r.Int("version_count");
  c.labels = r.Labels("labels");
  c.create_time = r.Time("create_time");
  c.update_time = r.Time("update_time");
  c.revision = r.Int("revision");
  if (!r.status().ok()) return r.status();
  return c;
}

std::string ToJson(const ContractVersion& v) {
  Json j = Json::object();
  j["name"] = ContractVersionName(v.contract_id, v.version);
  j["contract"] = ContractName(v.contract_id);
  j["version"] = v.version;
  j["major"] = v.major;
  j["minor"] = v.minor;
  j["patch"] = v.patch;
  PutString(j, "prerelease", v.prerelease);
  PutString(j, "status", v.status);
  PutString(j, "original_yaml", v.original_yaml);
  PutString(j, "normalized_json", v.normalized_json);
  PutString(j, "content_hash", v.content_hash);
  PutString(j, "published_by", v.published_by);
  PutTime(j, "create_time", v.create_time);
  PutString(j, "report_json", v.report_json);
  return j.dump();
}

absl::StatusOr<ContractVersion> ContractVersionFromJson(
    absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "contract_version"));
  Reader r(j, "contract_version");
  ContractVersion v;
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
    std::vector<std::string> cid;
    if (!SplitLoose(contract, {"contracts"}, &cid)) {
      r.Fail("contract", "is not of the form contracts/{contract}");
    } else if (r.status().ok() && cid[0] != v.contract_id) {
      r.Fail("contract", absl::StrCat("\"", contract,
                                      "\" is not the contract named in name \"",
                                      name, "\""));
    }
  }
  std::string version = r.String("version");
  if (r.status().ok() && !version.empty() && version != v.version) {
    r.Fail("version",
           absl::StrCat("\"", version, "\" is not the version named in name \"",
                        name, "\""));
  }
  v.major = r.Int("major");
  v.minor = r.Int("minor");
  v.patch = r.Int("patch");
  v.prerelease = r.String("prerelease");
  v.status = r.String("status");
  v.original_yaml = r.String("original_yaml");
  v.normalized_json = r.String("normalized_json");
  v.content_hash = r.String("content_hash");
  v.published_by = r.String("published_by");
  v.create_time = r.Time("create_time");
  v.report_json = r.String("report_json");
  if (!r.status().ok()) return r.status();
  return v;
}

// ----------------------------------------------------------------- Access

namespace {

constexpr char kOutputPortNameForm[] =
    "is not of the form "
    "domains/{domain}/dataProducts/{data_product}/outputPorts/{output_port}";

// An expire_time of InfiniteFuture ("never") is left out, and absent reads
// back as InfiniteFuture: "infinite-future" is not RFC 3339.
void PutExpireTime(Json& j, const char* key, absl::Time t) {
  if (t != absl::InfiniteFuture()) PutTime(j, key, t);
}

void PutPort(Json& j, const OutputPortRef& port) {
  if (!port.domain_id.empty() || !port.product_id.empty() ||
      !port.port_id.empty()) {
    j["output_port"] = OutputPortName(port);
  }
}

OutputPortRef ReadPort(Reader& r) {
  std::string name = r.String("output_port");
  std::vector<std::string> ids;
  if (name.empty()) return OutputPortRef{};
  if (!SplitLoose(name, {"domains", "dataProducts", "outputPorts"}, &ids)) {
    r.Fail("output_port", kOutputPortNameForm);
    return OutputPortRef{};
  }
  return OutputPortRef{ids[0], ids[1], ids[2]};
}

// The id of `{collection}/{id}` in `key`, "" when absent.
std::string ReadRef(Reader& r, const char* key, absl::string_view collection,
                    absl::string_view form) {
  std::string name = r.String(key);
  std::vector<std::string> ids;
  if (name.empty()) return "";
  if (!SplitLoose(name, {collection}, &ids)) {
    r.Fail(key, form);
    return "";
  }
  return ids[0];
}

}  // namespace

std::string ToJson(const AccessRequest& a) {
  Json j = Json::object();
  j["name"] = AccessRequestName(a.id);
  PutString(j, "uid", a.uid);
  PutPort(j, a.port);
  PutString(j, "consumer", a.consumer);
  PutString(j, "requester", a.requester);
  j["actions"] = a.actions;
  PutString(j, "purpose", a.purpose);
  j["duration"] = FormatDurationJson(a.duration);
  j["state"] = std::string(AccessRequestStateName(a.state));
  PutString(j, "decision", a.decision_json);
  if (!a.grant_id.empty()) j["grant"] = GrantName(a.grant_id);
  PutString(j, "reviewer", a.reviewer);
  PutString(j, "review_comment", a.review_comment);
  PutTime(j, "create_time", a.create_time);
  PutTime(j, "update_time", a.update_time);
  PutExpireTime(j, "expire_time", a.expire_time);
  j["revision"] = a.revision;
  j["etag"] = Etag(a.revision);
  return j.dump();
}

absl::StatusOr<AccessRequest> AccessRequestFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "access_request"));
  Reader r(j, "access_request");
  AccessRequest a;
  a.id = ReadRef(r, "name", "accessRequests",
                 "is not of the form accessRequests/{access_request}");
  if (r.status().ok() && a.id.empty()) {
    r.Fail("name", "is not of the form accessRequests/{access_request}");
  }
  a.uid = r.String("uid");
  a.port = ReadPort(r);
  a.consumer = r.String("consumer");
  a.requester = r.String("requester");
  a.actions = r.Strings("actions");
  a.purpose = r.String("purpose");
  a.duration = r.OptDuration("duration").value_or(absl::ZeroDuration());
  std::string state = r.String("state");
  if (!state.empty()) {
    auto s = ParseAccessRequestState(state);
    if (!s) {
      r.Fail("state", "is not an access request state");
    } else {
      a.state = *s;
    }
  }
  a.decision_json = r.String("decision");
  a.grant_id =
      ReadRef(r, "grant", "grants", "is not of the form grants/{grant}");
  a.reviewer = r.String("reviewer");
  a.review_comment = r.String("review_comment");
  a.create_time = r.Time("create_time");
  a.update_time = r.Time("update_time");
  a.expire_time = r.OptTime("expire_time").value_or(absl::InfiniteFuture());
  a.revision = r.Int("revision");
  if (!r.status().ok()) return r.status();
  return a;
}

std::string ToJson(const Grant& g) {
  Json j = Json::object();
  j["name"] = GrantName(g.id);
  PutString(j, "uid", g.uid);
  PutPort(j, g.port);
  PutString(j, "consumer", g.consumer);
  j["actions"] = g.actions;
  PutString(j, "purpose", g.purpose);
  if (!g.access_request_id.empty()) {
    j["access_request"] = AccessRequestName(g.access_request_id);
  }
  PutString(j, "granted_by", g.granted_by);
  PutTime(j, "create_time", g.create_time);
  PutExpireTime(j, "expire_time", g.expire_time);
  if (g.revoke_time) j["revoke_time"] = FormatTimeJson(*g.revoke_time);
  PutString(j, "revoked_by", g.revoked_by);
  PutString(j, "revoke_reason", g.revoke_reason);
  j["revision"] = g.revision;
  j["etag"] = Etag(g.revision);
  return j.dump();
}

absl::StatusOr<Grant> GrantFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "grant"));
  Reader r(j, "grant");
  Grant g;
  g.id = ReadRef(r, "name", "grants", "is not of the form grants/{grant}");
  if (r.status().ok() && g.id.empty()) {
    r.Fail("name", "is not of the form grants/{grant}");
  }
  g.uid = r.String("uid");
  g.port = ReadPort(r);
  g.consumer = r.String("consumer");
  g.actions = r.Strings("actions");
  g.purpose = r.String("purpose");
  g.access_request_id =
      ReadRef(r, "access_request", "accessRequests",
              "is not of the form accessRequests/{access_request}");
  g.granted_by = r.String("granted_by");
  g.create_time = r.Time("create_time");
  g.expire_time = r.OptTime("expire_time").value_or(absl::InfiniteFuture());
  g.revoke_time = r.OptTime("revoke_time");
  g.revoked_by = r.String("revoked_by");
  g.revoke_reason = r.String("revoke_reason");
  g.revision = r.Int("revision");
  if (!r.status().ok()) return r.status();
  return g;
}

// ---------------------------------------------------------------- Webhook

std::string ToJson(const Webhook& w) {
  Json j = Json::object();
  j["name"] = WebhookName(w.id);
  j["url"] = w.url;
  if (!w.resource_types.empty()) j["resource_types"] = w.resource_types;
  if (!w.domain_id.empty()) j["domain"] = DomainName(w.domain_id);
  j["include_subdomains"] = w.include_subdomains;
  j["delivered_sequence"] = w.delivered_sequence;
  PutString(j, "creator", w.creator);
  PutTime(j, "create_time", w.create_time);
  return j.dump();
}

absl::StatusOr<Webhook> WebhookFromJson(absl::string_view json) {
  MP_ASSIGN_OR_RETURN(Json j, Parse(json, "webhook"));
  Reader r(j, "webhook");
  Webhook w;
  std::vector<std::string> ids;
  if (!SplitLoose(r.String("name"), {"webhooks"}, &ids)) {
    r.Fail("name", "is not of the form webhooks/{webhook}");
  } else {
    w.id = ids[0];
  }
  w.url = r.String("url");
  w.resource_types = r.Strings("resource_types");
  std::string domain = r.String("domain");
  if (!domain.empty()) {
    if (!SplitLoose(domain, {"domains"}, &ids)) {
      r.Fail("domain", "is not of the form domains/{domain}");
    } else {
      w.domain_id = ids[0];
    }
  }
  w.include_subdomains = r.Bool("include_subdomains");
  w.delivered_sequence = r.Int("delivered_sequence");
  w.creator = r.String("creator");
  w.create_time = r.Time("create_time");
  if (!r.status().ok()) return r.status();
  return w;
}

}  // namespace meshplane::model
