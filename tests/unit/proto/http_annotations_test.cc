// The HTTP routes declared in proto/meshplane/v1 (google.api.http, AIP-127),
// checked over the generated descriptor pool: every RPC of every service has
// a route, every route binds real fields, standard methods have their AIP
// shapes (AIP-131..136), resource names in paths match the documented
// patterns, no two routes match the same URL, and docs/api.md lists exactly
// these routes and shows every RPC as the same request in grpcurl and curl.
// The REST transcoder reads the same options, so this table is what keeps it
// honest.

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

namespace meshplane {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

constexpr char kPackage[] = "meshplane.v1";

// The resource types of the API and their documented name patterns (the
// `name` comments of the resource messages and docs/api.md "Resource
// names"), with `*` for each id. A route that names a resource must use
// one of these patterns exactly.
struct ResourceKind {
  std::string message;                // short name in meshplane.v1
  std::vector<std::string> patterns;  // documented name patterns
  bool named;  // false: a collection whose items have no resource name
};

const std::vector<ResourceKind>& Kinds() {
  static const auto* kinds = new std::vector<ResourceKind>{
      {"Domain", {"domains/*"}, true},
      {"Team", {"teams/*"}, true},
      {"DataProduct", {"domains/*/dataProducts/*"}, true},
      {"OutputPort", {"domains/*/dataProducts/*/outputPorts/*"}, true},
      {"Breach", {"domains/*/dataProducts/*/outputPorts/*/breaches/*"}, true},
      {"Contract", {"contracts/*"}, true},
      {"ContractVersion", {"contracts/*/versions/*"}, true},
      {"Policy", {"policies/*", "domains/*/policies/*"}, true},
      {"Waiver",
       {"policies/*/waivers/*", "domains/*/policies/*/waivers/*"},
       true},
      {"AccessRequest", {"accessRequests/*"}, true},
      {"Grant", {"grants/*"}, true},
      {"Webhook", {"webhooks/*"}, true},
      {"Token", {"tokens/*"}, true},
      // Listed and streamed, but not addressable one by one.
      {"AuditRecord", {"auditRecords/*"}, false},
      {"WebhookDelivery", {"webhooks/*/deliveries/*"}, false},
      {"Event", {"events/*"}, false},
  };
  return *kinds;
}

// Singletons without a name field (AIP-156 shape): the caller's identity.
const std::set<std::string>& Singletons() {
  static const auto* s = new std::set<std::string>{"callerIdentity"};
  return *s;
}

// RPCs whose `name` names a resource that neither the response type nor
// the RPC name gives away.
const std::map<std::string, std::string>& NameResourceOverrides() {
  static const auto* m =
      new std::map<std::string, std::string>{{"GetLineage", "DataProduct"}};
  return *m;
}

const ResourceKind* KindOf(const std::string& message) {
  for (const auto& k : Kinds()) {
    if (k.message == message) {
      return &k;
    }
  }
  return nullptr;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::string Join(const std::vector<std::string>& parts, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < parts.size(); ++i) {
    if (i > from) {
      out += "/";
    }
    out += parts[i];
  }
  return out;
}

std::string CamelToSnake(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) {
        out += '_';
      }
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

// Words of an RPC name or a lowerCamel verb: "AddTeamMember" -> add, team,
// member.
std::vector<std::string> Words(const std::string& camel) {
  return Split(CamelToSnake(camel), '_');
}

// One `{field.path=pattern}` of a template.
struct Variable {
  std::string field_path;
  std::vector<std::string> pattern;  // segments; {"*"} when omitted
  size_t first_segment;              // index in Template::segments
};

// A parsed path template (the grammar in google/api/http.proto).
struct Template {
  std::vector<std::string> segments;  // variables expanded to patterns
  std::vector<bool> in_variable;      // per segment
  std::vector<Variable> variables;
  std::string verb;  // after ':', or empty
};

// Parses `path`; returns false with `error` set when it breaks the grammar.
bool ParseTemplate(const std::string& path, Template* t, std::string* error) {
  if (path.empty() || path[0] != '/') {
    *error = "does not start with '/'";
    return false;
  }
  std::string rest = path.substr(1);
  // The verb is a ':' after the last '/' and outside braces.
  size_t depth = 0;
  size_t colon = std::string::npos;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '{') {
      ++depth;
    } else if (rest[i] == '}') {
      if (depth == 0) {
        *error = "unbalanced '}'";
        return false;
      }
      --depth;
    } else if (rest[i] == ':' && depth == 0) {
      colon = i;
    } else if (rest[i] == '/' && depth == 0) {
      colon = std::string::npos;
    }
  }
  if (depth != 0) {
    *error = "unbalanced '{'";
    return false;
  }
  if (colon != std::string::npos) {
    t->verb = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    if (t->verb.empty()) {
      *error = "empty verb after ':'";
      return false;
    }
  }
  // Split on '/' outside braces.
  std::vector<std::string> raw;
  std::string cur;
  depth = 0;
  for (char c : rest) {
    if (c == '{') {
      ++depth;
    } else if (c == '}') {
      --depth;
    }
    if (c == '/' && depth == 0) {
      raw.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  raw.push_back(cur);
  for (const std::string& seg : raw) {
    if (seg.empty()) {
      *error = "empty segment";
      return false;
    }
    if (seg.front() == '{') {
      if (seg.back() != '}') {
        *error = "variable '" + seg + "' does not end the segment";
        return false;
      }
      std::string inner = seg.substr(1, seg.size() - 2);
      if (inner.find('{') != std::string::npos) {
        *error = "nested variable in '" + seg + "'";
        return false;
      }
      Variable v;
      size_t eq = inner.find('=');
      v.field_path = inner.substr(0, eq);
      v.pattern = eq == std::string::npos ? std::vector<std::string>{"*"}
                                          : Split(inner.substr(eq + 1), '/');
      v.first_segment = t->segments.size();
      for (const std::string& p : v.pattern) {
        if (p.empty()) {
          *error = "empty segment in '" + seg + "'";
          return false;
        }
        t->segments.push_back(p);
        t->in_variable.push_back(true);
      }
      t->variables.push_back(v);
    } else {
      if (seg.find_first_of("{}=:") != std::string::npos) {
        *error = "bad literal '" + seg + "'";
        return false;
      }
      t->segments.push_back(seg);
      t->in_variable.push_back(false);
    }
  }
  for (size_t i = 0; i + 1 < t->segments.size(); ++i) {
    if (t->segments[i] == "**") {
      *error = "'**' before the last segment";
      return false;
    }
  }
  return true;
}

// One HTTP binding of one method: the rule itself or one of its
// additional_bindings.
struct Binding {
  const MethodDescriptor* method;
  std::string http_method;  // GET, POST, ...
  std::string path;
  std::string body;
  std::string response_body;
  bool nested_bindings;  // additional_bindings inside an additional binding

  std::string Describe() const {
    return method->full_name() + " (" + http_method + " " + path + ")";
  }
};

void AddBinding(const MethodDescriptor* m, const google::api::HttpRule& r,
                bool additional, std::vector<Binding>* out) {
  Binding b{m,
            "",
            "",
            r.body(),
            r.response_body(),
            additional && r.additional_bindings_size() > 0};
  switch (r.pattern_case()) {
    case google::api::HttpRule::kGet:
      b.http_method = "GET";
      b.path = r.get();
      break;
    case google::api::HttpRule::kPut:
      b.http_method = "PUT";
      b.path = r.put();
      break;
    case google::api::HttpRule::kPost:
      b.http_method = "POST";
      b.path = r.post();
      break;
    case google::api::HttpRule::kDelete:
      b.http_method = "DELETE";
      b.path = r.delete_();
      break;
    case google::api::HttpRule::kPatch:
      b.http_method = "PATCH";
      b.path = r.patch();
      break;
    case google::api::HttpRule::kCustom:
      b.http_method = r.custom().kind();
      b.path = r.custom().path();
      break;
    case google::api::HttpRule::PATTERN_NOT_SET:
      break;
  }
  out->push_back(b);
  if (!additional) {
    for (const auto& extra : r.additional_bindings()) {
      AddBinding(m, extra, /*additional=*/true, out);
    }
  }
}

// The .proto files of meshplane/v1 in the source tree, so that a new file
// cannot hide from the checks by being left out of a hand-written list.
std::vector<std::string> SourceProtoFiles() {
  std::vector<std::string> files;
  const std::filesystem::path dir =
      std::filesystem::path(MESHPLANE_PROTO_DIR) / "meshplane" / "v1";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".proto") {
      files.push_back("meshplane/v1/" + entry.path().filename().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<const ServiceDescriptor*> Services() {
  std::vector<const ServiceDescriptor*> services;
  for (const std::string& name : SourceProtoFiles()) {
    const FileDescriptor* file =
        DescriptorPool::generated_pool()->FindFileByName(name);
    if (file == nullptr) {
      continue;  // reported by EveryProtoFileIsInTheGeneratedPool
    }
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  return services;
}

std::vector<Binding> AllBindings() {
  std::vector<Binding> out;
  for (const ServiceDescriptor* s : Services()) {
    for (int i = 0; i < s->method_count(); ++i) {
      const MethodDescriptor* m = s->method(i);
      if (m->options().HasExtension(google::api::http)) {
        AddBinding(m, m->options().GetExtension(google::api::http),
                   /*additional=*/false, &out);
      }
    }
  }
  return out;
}

// Runs check(binding, template) for every binding with its parsed path,
// each under its own trace; a path that does not parse fails its binding,
// and a failed ASSERT in `check` skips that binding only.
template <typename Check>
void ForEachParsedBinding(const Check& check) {
  for (const Binding& b : AllBindings()) {
    [&] {
      SCOPED_TRACE(b.Describe());
      Template t;
      std::string error;
      ASSERT_TRUE(ParseTemplate(b.path, &t, &error)) << error;
      check(b, t);
    }();
  }
}

// Resolves `a.b.c` through the request message; nullptr when a step is not
// a field or an inner step is not a singular message.
const FieldDescriptor* ResolveFieldPath(const Descriptor* message,
                                        const std::string& path) {
  const FieldDescriptor* field = nullptr;
  for (const std::string& part : Split(path, '.')) {
    if (message == nullptr) {
      return nullptr;
    }
    field = message->FindFieldByName(part);
    if (field == nullptr) {
      return nullptr;
    }
    message = field->is_repeated() ? nullptr : field->message_type();
  }
  return field;
}

// Well-known messages that the proto3 JSON mapping writes as one string, so
// that they travel as one query parameter.
bool IsScalarWellKnown(const Descriptor* d) {
  static const std::set<std::string> kScalar = {
      "google.protobuf.Timestamp",   "google.protobuf.Duration",
      "google.protobuf.FieldMask",   "google.protobuf.StringValue",
      "google.protobuf.BoolValue",   "google.protobuf.Int32Value",
      "google.protobuf.Int64Value",  "google.protobuf.UInt32Value",
      "google.protobuf.UInt64Value", "google.protobuf.DoubleValue",
      "google.protobuf.FloatValue",  "google.protobuf.BytesValue"};
  return kScalar.count(d->full_name()) > 0;
}

// Whether a field can travel in the query string (AIP-127 and the rules in
// http.proto: primitive or repeated primitive leaves, nested singular
// messages through dotted names). Adds the offending path to `bad`.
void CheckQueryable(const FieldDescriptor* f, const std::string& path,
                    int depth, std::vector<std::string>* bad) {
  if (f->is_map()) {
    bad->push_back(path + " (map)");
    return;
  }
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
      IsScalarWellKnown(f->message_type())) {
    return;
  }
  if (f->is_repeated()) {
    bad->push_back(path + " (repeated message)");
    return;
  }
  if (depth > 3) {
    bad->push_back(path + " (nested too deep)");
    return;
  }
  const Descriptor* d = f->message_type();
  if (d->file()->package() == "google.protobuf") {
    bad->push_back(path + " (" + d->full_name() + ")");
    return;
  }
  for (int i = 0; i < d->field_count(); ++i) {
    CheckQueryable(d->field(i), path + "." + d->field(i)->name(), depth + 1,
                   bad);
  }
}

bool StartsWith(const std::vector<std::string>& s,
                const std::vector<std::string>& prefix) {
  return prefix.size() <= s.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin());
}

// The resource type whose `name` a custom method's `name` variable holds.
std::string ResourceOfName(const MethodDescriptor* m) {
  auto o = NameResourceOverrides().find(m->name());
  if (o != NameResourceOverrides().end()) {
    return o->second;
  }
  const Descriptor* out = m->output_type();
  if (out->file()->package() == kPackage && KindOf(out->name()) != nullptr) {
    return out->name();
  }
  // The longest resource type named in the RPC name after its verb:
  // DeletePolicy, ListPolicyRevisions, SimulatePolicy -> Policy.
  std::string best;
  const std::string noun = m->name().substr(Words(m->name())[0].size());
  for (const auto& k : Kinds()) {
    if (noun.find(k.message) != std::string::npos &&
        k.message.size() > best.size()) {
      best = k.message;
    }
  }
  return best;
}

// The resource type held by a message: itself, or its first field whose
// type is a resource (CreateTokenResponse.token).
std::string ResourceIn(const Descriptor* d) {
  if (d->file()->package() == kPackage && KindOf(d->name()) != nullptr) {
    return d->name();
  }
  for (int i = 0; i < d->field_count(); ++i) {
    const Descriptor* t = d->field(i)->message_type();
    if (t != nullptr && t->file()->package() == kPackage &&
        KindOf(t->name()) != nullptr) {
      return t->name();
    }
  }
  return "";
}

// The element type of the first repeated resource field of a List response.
std::string ListedResource(const Descriptor* response) {
  for (int i = 0; i < response->field_count(); ++i) {
    const FieldDescriptor* f = response->field(i);
    if (f->is_repeated() && f->message_type() != nullptr &&
        KindOf(f->message_type()->name()) != nullptr) {
      return f->message_type()->name();
    }
  }
  return "";
}

bool HasPattern(const std::string& kind, const std::string& pattern) {
  const ResourceKind* k = KindOf(kind);
  return k != nullptr && std::find(k->patterns.begin(), k->patterns.end(),
                                   pattern) != k->patterns.end();
}

// Whether `coll` (segments, `-` as `*`) is the collection of `kind` under
// one of its documented parents: a documented pattern is `coll/*`, or
// starts with a parent of `coll` and ends with its collection id
// (ListBreaches of a product: the breaches of all of its ports).
bool IsCollectionOf(const std::string& kind,
                    const std::vector<std::string>& coll) {
  const ResourceKind* k = KindOf(kind);
  if (k == nullptr || coll.empty()) {
    return false;
  }
  for (const std::string& p : k->patterns) {
    std::vector<std::string> segs = Split(p, '/');
    if (segs.size() < 2 || segs[segs.size() - 2] != coll.back()) {
      continue;
    }
    std::vector<std::string> parent(coll.begin(), coll.end() - 1);
    if (StartsWith(segs, parent)) {
      return true;
    }
  }
  return false;
}

std::vector<std::string> Normalize(std::vector<std::string> segs) {
  for (std::string& s : segs) {
    if (s == "-") {
      s = "*";
    }
  }
  return segs;
}

// Whether the whole path (after /v1) names something documented: a
// resource, a collection of one (under a documented parent), or a
// singleton.
bool PathIsDocumented(const std::vector<std::string>& path) {
  if (path.size() == 1 && Singletons().count(path[0]) > 0) {
    return true;
  }
  const std::string joined = Join(path);
  for (const auto& k : Kinds()) {
    if (HasPattern(k.message, joined) || IsCollectionOf(k.message, path)) {
      return true;
    }
  }
  return false;
}

TEST(HttpAnnotationsTest, ExtensionIsWireCompatibleWithGoogleapis) {
  // The numbers of googleapis' google/api/http.proto and annotations.proto:
  // tools that know the upstream files must read our options.
  EXPECT_EQ(google::api::http.number(), 72295728);
  const Descriptor* rule = google::api::HttpRule::descriptor();
  const std::map<std::string, int> numbers = {
      {"selector", 1},      {"get", 2},    {"put", 3},
      {"post", 4},          {"delete", 5}, {"patch", 6},
      {"body", 7},          {"custom", 8}, {"additional_bindings", 11},
      {"response_body", 12}};
  for (const auto& [name, number] : numbers) {
    const FieldDescriptor* f = rule->FindFieldByName(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->number(), number) << name;
  }
  EXPECT_EQ(rule->field_count(), static_cast<int>(numbers.size()));
  EXPECT_EQ(google::api::CustomHttpPattern::descriptor()
                ->FindFieldByName("kind")
                ->number(),
            1);
  EXPECT_EQ(google::api::CustomHttpPattern::descriptor()
                ->FindFieldByName("path")
                ->number(),
            2);
  EXPECT_EQ(google::api::Http::descriptor()->FindFieldByName("rules")->number(),
            1);
  EXPECT_EQ(google::api::Http::descriptor()
                ->FindFieldByName("fully_decode_reserved_expansion")
                ->number(),
            2);
}

TEST(HttpAnnotationsTest, EveryProtoFileIsInTheGeneratedPool) {
  const std::vector<std::string> files = SourceProtoFiles();
  ASSERT_GE(files.size(), 9u);
  for (const std::string& name : files) {
    const FileDescriptor* file =
        DescriptorPool::generated_pool()->FindFileByName(name);
    ASSERT_NE(file, nullptr) << name << " is not built into meshplane_proto";
    EXPECT_EQ(file->package(), kPackage) << name;
  }
  // Nine services today; a lower count means a file or service went
  // missing from the walk below.
  EXPECT_GE(Services().size(), 9u);
}

TEST(HttpAnnotationsTest, EveryMethodHasARoute) {
  int methods = 0;
  for (const ServiceDescriptor* s : Services()) {
    for (int i = 0; i < s->method_count(); ++i) {
      const MethodDescriptor* m = s->method(i);
      ++methods;
      EXPECT_TRUE(m->options().HasExtension(google::api::http))
          << m->full_name() << " has no google.api.http option";
      // Browsers and HTTP/1.1 clients cannot stream a request.
      EXPECT_FALSE(m->client_streaming())
          << m->full_name() << ": client streaming has no HTTP mapping";
    }
  }
  EXPECT_GE(methods, 63);
}

TEST(HttpAnnotationsTest, EveryBindingIsWellFormed) {
  const std::vector<Binding> bindings = AllBindings();
  ASSERT_FALSE(bindings.empty());
  for (const Binding& b : bindings) {
    // A lambda, so that a failed ASSERT skips one binding, not all.
    [&] {
      SCOPED_TRACE(b.Describe());
      const Descriptor* request = b.method->input_type();
      EXPECT_FALSE(b.nested_bindings) << "additional_bindings nest one deep";
      ASSERT_THAT(b.http_method,
                  testing::AnyOf("GET", "POST", "PATCH", "DELETE", "PUT"));
      EXPECT_EQ(b.path.rfind("/v1/", 0), 0u) << "routes live under /v1/";
      EXPECT_TRUE(b.response_body.empty()) << "the whole response is the body";
      Template t;
      std::string error;
      ASSERT_TRUE(ParseTemplate(b.path, &t, &error)) << error;

      // Path variables: real, singular, string fields, each bound once.
      std::set<std::string> bound;
      for (const Variable& v : t.variables) {
        const FieldDescriptor* f = ResolveFieldPath(request, v.field_path);
        ASSERT_NE(f, nullptr)
            << v.field_path << " is not a field of " << request->full_name();
        EXPECT_FALSE(f->is_repeated()) << v.field_path;
        EXPECT_EQ(f->type(), FieldDescriptor::TYPE_STRING) << v.field_path;
        EXPECT_TRUE(bound.insert(v.field_path).second)
            << v.field_path << " bound twice";
        for (const std::string& seg : v.pattern) {
          EXPECT_NE(seg, "**") << v.field_path << ": names have fixed depth";
        }
      }

      // Body: none for GET and DELETE; `*` or a top-level singular field.
      if (b.http_method == "GET" || b.http_method == "DELETE") {
        EXPECT_TRUE(b.body.empty()) << "GET and DELETE carry no body";
      } else {
        EXPECT_FALSE(b.body.empty()) << b.http_method << " needs a body";
      }
      const FieldDescriptor* body_field = nullptr;
      if (!b.body.empty() && b.body != "*") {
        body_field = request->FindFieldByName(b.body);
        ASSERT_NE(body_field, nullptr)
            << "body " << b.body << " is not a field of "
            << request->full_name();
        EXPECT_FALSE(body_field->is_repeated()) << b.body;
        EXPECT_NE(body_field->message_type(), nullptr)
            << "body " << b.body << " should be a message";
      }

      // Every field neither in the path nor in the body is a query parameter
      // and must be expressible as one.
      if (b.body != "*") {
        for (int i = 0; i < request->field_count(); ++i) {
          const FieldDescriptor* f = request->field(i);
          if (f == body_field) {
            continue;
          }
          if (bound.count(f->name()) > 0) {
            continue;
          }
          std::vector<std::string> bad;
          CheckQueryable(f, f->name(), 0, &bad);
          EXPECT_THAT(bad, testing::IsEmpty())
              << "not expressible as query parameters";
        }
      }
    }();
  }
}

TEST(HttpAnnotationsTest, CustomVerbsFollowTheRpcName) {
  // AIP-136: the verb after ':' is lowerCamelCase, starts with the RPC's
  // verb, and its words appear in the RPC name in order (PublishDataProduct
  // -> :publish, AddTeamMember -> :addMember, CheckContractCompatibility ->
  // :checkCompatibility).
  ForEachParsedBinding([&](const Binding& b, const Template& t) {
    if (t.verb.empty()) {
      return;
    }
    ASSERT_TRUE(t.verb[0] >= 'a' && t.verb[0] <= 'z') << t.verb;
    const std::vector<std::string> verb = Words(t.verb);
    const std::vector<std::string> rpc = Words(b.method->name());
    EXPECT_EQ(verb[0], rpc[0]) << "the verb of " << b.method->name();
    size_t j = 0;
    for (const std::string& w : rpc) {
      if (j < verb.size() && w == verb[j]) {
        ++j;
      }
    }
    EXPECT_EQ(j, verb.size())
        << t.verb << " is not taken from " << b.method->name();
    // Custom methods that change state are POSTs with the fields in the
    // body; read-only ones may be GETs.
    EXPECT_THAT(b.http_method, testing::AnyOf("POST", "GET"));
    if (b.http_method == "POST") {
      EXPECT_EQ(b.body, "*");
    }
  });
}

TEST(HttpAnnotationsTest, StandardMethodsHaveTheirAipShapes) {
  ForEachParsedBinding([&](const Binding& b, const Template& t) {
    if (!t.verb.empty()) {
      return;  // custom methods: CustomVerbsFollowTheRpcName
    }
    const std::string& rpc = b.method->name();
    const std::string verb = Words(rpc)[0];
    const Descriptor* request = b.method->input_type();
    const Descriptor* response = b.method->output_type();
    const std::vector<std::string> path(t.segments.begin() + 1,
                                        t.segments.end());
    auto var_named = [&](const std::string& f) -> const Variable* {
      for (const Variable& v : t.variables) {
        if (v.field_path == f) {
          return &v;
        }
      }
      return nullptr;
    };
    if (b.http_method == "GET" && verb == "get") {
      // AIP-131: GET /v1/{name=<pattern>} returning the resource, or a
      // singleton without a name.
      if (t.variables.empty()) {
        EXPECT_EQ(path.size(), 1u);
        EXPECT_EQ(Singletons().count(path[0]), 1u) << "unknown singleton";
        return;
      }
      const Variable* name = var_named("name");
      ASSERT_NE(name, nullptr) << "Get binds `name`";
      EXPECT_EQ(t.variables.size(), 1u);
      EXPECT_EQ(name->first_segment, 1u);
      EXPECT_EQ(name->first_segment + name->pattern.size(), t.segments.size())
          << "nothing after {name}";
      EXPECT_TRUE(HasPattern(response->name(), Join(name->pattern)))
          << Join(name->pattern) << " is not a documented name of "
          << response->name();
    } else if (b.http_method == "GET" && verb == "list") {
      // AIP-132: GET /v1/[{parent=<pattern>}/]<collection>.
      const std::string kind = ListedResource(response);
      ASSERT_FALSE(kind.empty())
          << "no repeated resource in " << response->name();
      EXPECT_TRUE(IsCollectionOf(kind, Normalize(path)))
          << b.path << " is not the collection of " << kind;
      EXPECT_NE(response->FindFieldByName("next_page_token"), nullptr);
      EXPECT_NE(request->FindFieldByName("page_token"), nullptr);
      EXPECT_NE(request->FindFieldByName("page_size"), nullptr);
      for (const Variable& v : t.variables) {
        EXPECT_EQ(v.field_path, "parent") << "List binds only `parent`";
      }
    } else if (b.http_method == "POST") {
      // AIP-133: POST /v1/[{parent=<pattern>}/]<collection>, the resource
      // in the body, its id as a query parameter.
      std::string kind;
      if (b.body != "*") {
        const FieldDescriptor* f = request->FindFieldByName(b.body);
        if (f != nullptr && f->message_type() != nullptr) {
          kind = f->message_type()->name();
        }
      }
      if (kind.empty()) {
        kind = ResourceIn(response);
      }
      ASSERT_FALSE(kind.empty()) << "create of what?";
      EXPECT_TRUE(IsCollectionOf(kind, Normalize(path)))
          << b.path << " is not the collection of " << kind;
      EXPECT_EQ(ResourceIn(response), kind) << "Create returns the resource";
      if (b.body != "*") {
        EXPECT_EQ(b.body, CamelToSnake(kind))
            << "AIP-133: the body is the resource field";
      }
      for (const Variable& v : t.variables) {
        EXPECT_EQ(v.field_path, "parent") << "Create binds only `parent`";
      }
    } else if (b.http_method == "PATCH") {
      // AIP-134: PATCH /v1/{<resource>.name=<pattern>}, body <resource>,
      // update_mask as a query parameter.
      ASSERT_EQ(t.variables.size(), 1u);
      const std::string field = b.body;
      EXPECT_EQ(t.variables[0].field_path, field + ".name");
      const FieldDescriptor* f = request->FindFieldByName(field);
      ASSERT_NE(f, nullptr);
      ASSERT_NE(f->message_type(), nullptr);
      EXPECT_TRUE(
          HasPattern(f->message_type()->name(), Join(t.variables[0].pattern)))
          << Join(t.variables[0].pattern) << " is not a documented name of "
          << f->message_type()->name();
      const FieldDescriptor* mask = request->FindFieldByName("update_mask");
      ASSERT_NE(mask, nullptr) << "AIP-134: update_mask";
      EXPECT_EQ(mask->message_type()->full_name(), "google.protobuf.FieldMask");
      EXPECT_EQ(verb, "update");
    } else if (b.http_method == "DELETE") {
      // AIP-135: DELETE /v1/{name=<pattern>} of the resource the RPC names.
      ASSERT_EQ(t.variables.size(), 1u);
      EXPECT_EQ(t.variables[0].field_path, "name");
      EXPECT_EQ(t.variables[0].first_segment, 1u);
      const std::string kind = rpc.substr(std::string("Delete").size());
      EXPECT_EQ(verb, "delete");
      EXPECT_TRUE(HasPattern(kind, Join(t.variables[0].pattern)))
          << Join(t.variables[0].pattern) << " is not a documented name of "
          << kind;
    } else {
      ADD_FAILURE() << "no AIP standard method has this shape";
    }
  });
}

TEST(HttpAnnotationsTest, ResourceNamesInPathsMatchDocumentedPatterns) {
  ForEachParsedBinding([&](const Binding& b, const Template& t) {
    const std::vector<std::string> path(t.segments.begin() + 1,
                                        t.segments.end());
    EXPECT_TRUE(PathIsDocumented(Normalize(path)))
        << Join(path) << " names no documented resource or collection";
    for (const Variable& v : t.variables) {
      const std::string pattern = Join(v.pattern);
      const std::string last = Split(v.field_path, '.').back();
      std::string kind;
      if (last == "parent") {
        // The parent of the collection that follows the variable.
        std::vector<std::string> coll(
            t.segments.begin() + 1,
            t.segments.begin() + v.first_segment + v.pattern.size());
        ASSERT_LT(v.first_segment + v.pattern.size(), t.segments.size())
            << "a parent is followed by its collection";
        coll.push_back(t.segments[v.first_segment + v.pattern.size()]);
        bool is_parent = false;
        for (const auto& k : Kinds()) {
          if (IsCollectionOf(k.message, Normalize(coll))) {
            is_parent = true;
          }
        }
        EXPECT_TRUE(is_parent) << pattern << " is no documented parent";
        bool documented = false;
        for (const auto& k : Kinds()) {
          documented =
              documented || (k.named && HasPattern(k.message, pattern));
        }
        EXPECT_TRUE(documented)
            << "parent " << pattern << " is not a resource name";
        continue;
      }
      if (last == "name") {
        const std::vector<std::string> parts = Split(v.field_path, '.');
        if (parts.size() > 1) {
          const FieldDescriptor* holder = ResolveFieldPath(
              b.method->input_type(),
              Join(std::vector<std::string>(parts.begin(), parts.end() - 1)));
          ASSERT_NE(holder, nullptr);
          kind = holder->message_type()->name();
        } else {
          kind = ResourceOfName(b.method);
        }
      } else {
        // A reference field named for its resource: `team`, `output_port`.
        for (const auto& k : Kinds()) {
          if (CamelToSnake(k.message) == last) {
            kind = k.message;
          }
        }
      }
      ASSERT_FALSE(kind.empty())
          << "cannot tell which resource " << v.field_path
          << " names; add it to NameResourceOverrides";
      const ResourceKind* k = KindOf(kind);
      ASSERT_NE(k, nullptr) << kind << " has no documented pattern here";
      EXPECT_TRUE(k->named) << kind << " has no resource names";
      EXPECT_TRUE(HasPattern(kind, pattern))
          << v.field_path << "=" << pattern << " is not a documented name of "
          << kind;
    }
  });
}

TEST(HttpAnnotationsTest, DocumentedResourcesExist) {
  for (const auto& k : Kinds()) {
    const Descriptor* d =
        DescriptorPool::generated_pool()->FindMessageTypeByName(
            std::string(kPackage) + "." + k.message);
    ASSERT_NE(d, nullptr) << k.message;
    if (k.named) {
      const FieldDescriptor* name = d->FindFieldByName("name");
      ASSERT_NE(name, nullptr) << k.message << " has no `name`";
      EXPECT_EQ(name->type(), FieldDescriptor::TYPE_STRING) << k.message;
    }
  }
}

// Two templates match a common URL when they have as many segments, the
// same verb, and each pair of segments is equal or has a wildcard.
bool Overlap(const Template& a, const Template& b) {
  if (a.verb != b.verb || a.segments.size() != b.segments.size()) {
    return false;
  }
  for (size_t i = 0; i < a.segments.size(); ++i) {
    const std::string& x = a.segments[i];
    const std::string& y = b.segments[i];
    if (x != y && x != "*" && y != "*") {
      return false;
    }
  }
  return true;
}

TEST(HttpAnnotationsTest, NoTwoRoutesMatchTheSameUrl) {
  const std::vector<Binding> bindings = AllBindings();
  std::vector<Template> templates(bindings.size());
  for (size_t i = 0; i < bindings.size(); ++i) {
    std::string error;
    ASSERT_TRUE(ParseTemplate(bindings[i].path, &templates[i], &error))
        << bindings[i].Describe() << ": " << error;
  }
  for (size_t i = 0; i < bindings.size(); ++i) {
    for (size_t j = i + 1; j < bindings.size(); ++j) {
      if (bindings[i].http_method != bindings[j].http_method) {
        continue;
      }
      EXPECT_FALSE(Overlap(templates[i], templates[j]))
          << bindings[i].Describe() << " and " << bindings[j].Describe()
          << " match the same URLs";
    }
  }
}

TEST(HttpAnnotationsTest, IssueRoutesAreDeclared) {
  // The routes issue 16 names, verbatim.
  const std::set<std::pair<std::string, std::string>> want = {
      {"GetDataProduct", "GET /v1/{name=domains/*/dataProducts/*}"},
      {"ListDataProducts", "GET /v1/{parent=domains/*}/dataProducts"},
      {"CreateDataProduct", "POST /v1/{parent=domains/*}/dataProducts"},
      {"UpdateDataProduct",
       "PATCH /v1/{data_product.name=domains/*/dataProducts/*}"},
      {"DeleteDataProduct", "DELETE /v1/{name=domains/*/dataProducts/*}"},
      {"PublishDataProduct",
       "POST /v1/{name=domains/*/dataProducts/*}:publish"},
      {"DeprecateDataProduct",
       "POST /v1/{name=domains/*/dataProducts/*}:deprecate"},
      {"ApproveAccessRequest", "POST /v1/{name=accessRequests/*}:approve"},
      {"SimulatePolicy", "POST /v1/{name=policies/*}:simulate"},
  };
  std::set<std::pair<std::string, std::string>> have;
  for (const Binding& b : AllBindings()) {
    have.insert({b.method->name(), b.http_method + " " + b.path});
    if (b.method->name() == "CreateDataProduct") {
      EXPECT_EQ(b.body, "data_product");
    }
    if (b.method->name() == "UpdateDataProduct") {
      EXPECT_EQ(b.body, "data_product");
    }
  }
  for (const auto& w : want) {
    EXPECT_EQ(have.count(w), 1u) << w.first << ": " << w.second;
  }
}

// Rows of the "HTTP routes (declared)" table of docs/api.md:
// | Service | RPC | `VERB /path` | body |
std::set<std::string> DocumentedRoutes() {
  std::ifstream in(std::filesystem::path(MESHPLANE_SOURCE_DIR) / "docs" /
                   "api.md");
  std::set<std::string> rows;
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      in_section = line == "## HTTP routes (declared)";
      continue;
    }
    if (!in_section || line.rfind("| ", 0) != 0) {
      continue;
    }
    std::vector<std::string> cells = Split(line, '|');
    if (cells.size() < 5) {
      continue;
    }
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" `"));
      s.erase(s.find_last_not_of(" `") + 1);
      return s;
    };
    const std::string rpc = trim(cells[2]);
    const std::string route = trim(cells[3]);
    const std::string body = trim(cells[4]);
    if (route.find(" /v1/") == std::string::npos) {
      continue;  // the header row
    }
    rows.insert(rpc + " " + route + " body=" + (body == "-" ? "" : body));
  }
  return rows;
}

TEST(HttpAnnotationsTest, DocsListExactlyTheDeclaredRoutes) {
  std::set<std::string> declared;
  for (const Binding& b : AllBindings()) {
    declared.insert(b.method->name() + " " + b.http_method + " " + b.path +
                    " body=" + b.body);
  }
  const std::set<std::string> documented = DocumentedRoutes();
  std::vector<std::string> undocumented;
  std::vector<std::string> stale;
  std::set_difference(declared.begin(), declared.end(), documented.begin(),
                      documented.end(), std::back_inserter(undocumented));
  std::set_difference(documented.begin(), documented.end(), declared.begin(),
                      declared.end(), std::back_inserter(stale));
  EXPECT_THAT(undocumented, testing::IsEmpty())
      << "declared but missing from docs/api.md \"HTTP routes (declared)\"";
  EXPECT_THAT(stale, testing::IsEmpty())
      << "in docs/api.md \"HTTP routes (declared)\" but not declared";
}

// The examples of docs/api.md "Every operation in curl and grpcurl": one
// `#### <Rpc>` heading per RPC, followed by an indented grpcurl command and
// the curl command that sends the same request over HTTP.
constexpr char kExamplesSection[] = "## Every operation in curl and grpcurl";
constexpr char kGrpcAddress[] = "127.0.0.1:50051";
constexpr char kHttpBase[] = "http://127.0.0.1:9464";

struct Example {
  std::string rpc;                    // the heading
  std::vector<std::string> commands;  // continuation lines joined
};

std::vector<Example> DocumentedExamples() {
  std::ifstream in(std::filesystem::path(MESHPLANE_SOURCE_DIR) / "docs" /
                   "api.md");
  std::vector<Example> examples;
  std::string line;
  bool in_section = false;
  bool continued = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) {
      in_section = line == kExamplesSection;
      continue;
    }
    if (!in_section) {
      continue;
    }
    if (line.rfind("#### ", 0) == 0) {
      examples.push_back({line.substr(5), {}});
      continued = false;
      continue;
    }
    if (examples.empty() || line.rfind("    ", 0) != 0) {
      continued = false;
      continue;
    }
    std::string code = line.substr(4);
    const bool continues = !code.empty() && code.back() == '\\';
    if (continues) {
      code.pop_back();
    }
    std::vector<std::string>& commands = examples.back().commands;
    if (continued) {
      commands.back() += " " + code.substr(code.find_first_not_of(' '));
    } else {
      commands.push_back(code);
    }
    continued = continues;
  }
  return examples;
}

// Splits a command line into words as a POSIX shell does, without
// expanding anything: '...' is literal, "..." honours \" \\ \$ and \`, and
// adjacent quoted parts join one word (`'{"etag": "'"$ETAG"'"}'` is
// `{"etag": "$ETAG"}`).
bool ShellWords(const std::string& s, std::vector<std::string>* words,
                std::string* error) {
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\'') {
      const size_t end = s.find('\'', i + 1);
      if (end == std::string::npos) {
        *error = "unterminated '";
        return false;
      }
      cur += s.substr(i + 1, end - i - 1);
      i = end;
      in_word = true;
    } else if (c == '"') {
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size() &&
            std::string("\"\\$`").find(s[i + 1]) != std::string::npos) {
          ++i;
        }
        cur += s[i];
      }
      if (i >= s.size()) {
        *error = "unterminated \"";
        return false;
      }
      in_word = true;
    } else if (c == '\\' && i + 1 < s.size()) {
      cur += s[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) {
        words->push_back(cur);
        cur.clear();
        in_word = false;
      }
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) {
    words->push_back(cur);
  }
  return true;
}

bool PercentDecode(const std::string& s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      *out += s[i];
      continue;
    }
    if (i + 2 >= s.size() ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      return false;
    }
    *out +=
        static_cast<char>(std::strtol(s.substr(i + 1, 2).c_str(), nullptr, 16));
    i += 2;
  }
  return true;
}

// The options of a grpcurl or curl command that the examples use.
struct Command {
  std::string tool;
  std::vector<std::string> headers;  // -H
  std::string verb;                  // -X
  bool has_data = false;             // -d
  std::string data;
  bool no_buffer = false;  // -N
  bool plaintext = false;  // -plaintext
  std::vector<std::string> args;
};

bool ParseCommand(const std::string& line, Command* c, std::string* error) {
  std::vector<std::string> words;
  if (!ShellWords(line, &words, error)) {
    return false;
  }
  if (words.empty()) {
    *error = "empty command";
    return false;
  }
  c->tool = words[0];
  for (size_t i = 1; i < words.size(); ++i) {
    const std::string& w = words[i];
    const bool takes_value = w == "-H" || w == "-X" || w == "-d";
    if (takes_value && i + 1 == words.size()) {
      *error = w + " without a value";
      return false;
    }
    if (w == "-H") {
      c->headers.push_back(words[++i]);
    } else if (w == "-X") {
      c->verb = words[++i];
    } else if (w == "-d") {
      c->has_data = true;
      c->data = words[++i];
    } else if (w == "-N" && c->tool == "curl") {
      c->no_buffer = true;
    } else if (w == "-plaintext" && c->tool == "grpcurl") {
      c->plaintext = true;
    } else if ((w == "-sS" || w == "-i") && c->tool == "curl") {
      // Output only.
    } else if (w[0] == '-') {
      *error = "unexpected option " + w;
      return false;
    } else {
      c->args.push_back(w);
    }
  }
  return true;
}

// The value of header `name` (case-insensitive), or nullptr.
const std::string* HeaderValue(const Command& c, const std::string& name,
                               std::string* storage) {
  for (const std::string& h : c.headers) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon != name.size()) {
      continue;
    }
    bool same = true;
    for (size_t i = 0; i < colon; ++i) {
      same = same && std::tolower(static_cast<unsigned char>(h[i])) ==
                         std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) {
      *storage = h.substr(h.find_first_not_of(' ', colon + 1));
      return storage;
    }
  }
  return nullptr;
}

// Matches a URL path (percent-encoded, without the query) against a
// template; fills each variable's value by its field path.
bool MatchTemplate(const Template& t, const std::string& url_path,
                   std::map<std::string, std::string>* values) {
  if (url_path.empty() || url_path[0] != '/') {
    return false;
  }
  std::string path = url_path.substr(1);
  std::string verb;
  const size_t colon = path.find(':', path.rfind('/') + 1);
  if (colon != std::string::npos && path.rfind('/') != std::string::npos) {
    verb = path.substr(colon + 1);
    path = path.substr(0, colon);
  }
  if (verb != t.verb) {
    return false;
  }
  std::vector<std::string> segments = Split(path, '/');
  if (segments.size() != t.segments.size()) {
    return false;
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string decoded;
    if (segments[i].empty() || !PercentDecode(segments[i], &decoded)) {
      return false;
    }
    if (t.segments[i] != "*" && t.segments[i] != decoded) {
      return false;
    }
    segments[i] = decoded;
  }
  for (const Variable& v : t.variables) {
    (*values)[v.field_path] = Join(std::vector<std::string>(
        segments.begin() + v.first_segment,
        segments.begin() + v.first_segment + v.pattern.size()));
  }
  return true;
}

std::unique_ptr<Message> NewMessage(const Descriptor* d) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(d)
          ->New());
}

// Parses `json` (proto3 JSON, unknown fields refused) into a new message
// of type `d`.
std::unique_ptr<Message> ParseJson(const Descriptor* d, const std::string& json,
                                   std::string* error) {
  std::unique_ptr<Message> m = NewMessage(d);
  const auto status =
      google::protobuf::util::JsonStringToMessage(json, m.get());
  if (!status.ok()) {
    *error = status.ToString();
    return nullptr;
  }
  return m;
}

// A field of `d` by its JSON name or its proto name.
const FieldDescriptor* FindJsonField(const Descriptor* d,
                                     const std::string& name) {
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->json_name() == name) {
      return d->field(i);
    }
  }
  return d->FindFieldByName(name);
}

// Sets the string field at the proto field path `path` of `m`.
bool SetStringAt(Message* m, const std::string& path,
                 const std::string& value) {
  const std::vector<std::string> parts = Split(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const FieldDescriptor* f = m->GetDescriptor()->FindFieldByName(parts[i]);
    if (f == nullptr || f->is_repeated()) {
      return false;
    }
    if (i + 1 == parts.size()) {
      if (f->type() != FieldDescriptor::TYPE_STRING) {
        return false;
      }
      m->GetReflection()->SetString(m, f, value);
      return true;
    }
    if (f->message_type() == nullptr) {
      return false;
    }
    m = m->GetReflection()->MutableMessage(m, f);
  }
  return false;
}

// Builds the request message a curl command sends over `b`, with the
// route's variables bound from the URL; adds what is wrong to `errors`.
std::unique_ptr<Message> HttpRequestOf(
    const Binding& b, const Template& t, const Command& curl,
    const std::map<std::string, std::string>& path_values,
    const std::string& query, std::vector<std::string>* errors) {
  const Descriptor* input = b.method->input_type();
  std::unique_ptr<Message> request = NewMessage(input);
  // Query parameters, through proto3 JSON so that they take the same
  // conversions the transcoder applies.
  google::protobuf::Struct params;
  std::map<std::string, std::vector<std::string>> by_name;
  for (const std::string& pair :
       query.empty() ? std::vector<std::string>{} : Split(query, '&')) {
    const size_t eq = pair.find('=');
    std::string name;
    std::string value;
    if (eq == std::string::npos || !PercentDecode(pair.substr(0, eq), &name) ||
        !PercentDecode(pair.substr(eq + 1), &value)) {
      errors->push_back("bad query parameter '" + pair + "'");
      continue;
    }
    by_name[name].push_back(value);
  }
  for (const auto& [name, values] : by_name) {
    const Descriptor* d = input;
    const FieldDescriptor* f = nullptr;
    google::protobuf::Struct* holder = &params;
    std::string proto_path;
    const std::vector<std::string> parts = Split(name, '.');
    for (size_t i = 0; i < parts.size(); ++i) {
      f = d == nullptr ? nullptr : FindJsonField(d, parts[i]);
      if (f == nullptr) {
        break;
      }
      proto_path += (i == 0 ? "" : ".") + f->name();
      if (i + 1 < parts.size()) {
        d = f->is_repeated() ? nullptr : f->message_type();
        holder =
            (*holder->mutable_fields())[f->json_name()].mutable_struct_value();
      }
    }
    if (f == nullptr) {
      errors->push_back("query parameter " + name + " is no field of " +
                        input->full_name());
      continue;
    }
    const std::string top = Split(proto_path, '.')[0];
    bool in_path = false;
    for (const Variable& v : t.variables) {
      in_path = in_path || Split(v.field_path, '.')[0] == top;
    }
    if (in_path || b.body == "*" || b.body == top) {
      errors->push_back("query parameter " + name +
                        " is carried by the path or the body");
      continue;
    }
    if (!f->is_repeated() && values.size() > 1) {
      errors->push_back("query parameter " + name + " given twice");
      continue;
    }
    auto to_value = [&](const std::string& s) {
      google::protobuf::Value v;
      if (f->type() == FieldDescriptor::TYPE_BOOL) {
        if (s != "true" && s != "false") {
          errors->push_back(name + "=" + s + " is not a bool");
        }
        v.set_bool_value(s == "true");
      } else {
        v.set_string_value(s);  // proto3 JSON takes numbers as strings too
      }
      return v;
    };
    google::protobuf::Value& slot = (*holder->mutable_fields())[f->json_name()];
    if (f->is_repeated()) {
      for (const std::string& s : values) {
        *slot.mutable_list_value()->add_values() = to_value(s);
      }
    } else {
      slot = to_value(values[0]);
    }
  }
  std::string json;
  std::string error;
  if (!google::protobuf::util::MessageToJsonString(params, &json).ok()) {
    errors->push_back("query does not convert to JSON");
    return nullptr;
  }
  std::unique_ptr<Message> from_query = ParseJson(input, json, &error);
  if (from_query == nullptr) {
    errors->push_back("query " + query + ": " + error);
    return nullptr;
  }
  request->MergeFrom(*from_query);
  // The body: the named field's content, or the request for `*`.
  if (b.body.empty() && curl.has_data) {
    errors->push_back("-d on a route without a body");
  } else if (!b.body.empty() && !curl.has_data) {
    errors->push_back("no -d, but the route takes body " + b.body);
  } else if (b.body == "*") {
    std::unique_ptr<Message> body = ParseJson(input, curl.data, &error);
    if (body == nullptr) {
      errors->push_back("body: " + error);
      return nullptr;
    }
    for (const Variable& v : t.variables) {
      std::unique_ptr<Message> probe = NewMessage(input);
      probe->MergeFrom(*body);
      if (!SetStringAt(probe.get(), v.field_path, "") ||
          !google::protobuf::util::MessageDifferencer::Equals(*probe, *body)) {
        errors->push_back("the body sets " + v.field_path +
                          ", which the path carries");
      }
    }
    request->MergeFrom(*body);
  } else if (!b.body.empty()) {
    const FieldDescriptor* f = input->FindFieldByName(b.body);
    if (f == nullptr || f->message_type() == nullptr) {
      errors->push_back("body " + b.body + " is no message field");
      return nullptr;
    }
    std::unique_ptr<Message> body =
        ParseJson(f->message_type(), curl.data, &error);
    if (body == nullptr) {
      errors->push_back("body: " + error);
      return nullptr;
    }
    request->GetReflection()
        ->MutableMessage(request.get(), f)
        ->MergeFrom(*body);
  }
  for (const auto& [field_path, value] : path_values) {
    if (!SetStringAt(request.get(), field_path, value)) {
      errors->push_back("path variable " + field_path + " is no string");
    }
  }
  // If-Match is the etag: of the resource in the body for an update, of
  // the request otherwise.
  const std::string etag_path =
      b.http_method == "PATCH" ? b.body + ".etag" : "etag";
  const bool has_etag = ResolveFieldPath(input, etag_path) != nullptr;
  std::string storage;
  const std::string* if_match = HeaderValue(curl, "If-Match", &storage);
  if (if_match != nullptr) {
    std::string etag = *if_match;
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, etag.size() - 2);
    }
    if (!has_etag || !SetStringAt(request.get(), etag_path, etag)) {
      errors->push_back("If-Match, but the request has no " + etag_path);
    }
  } else if (has_etag &&
             (b.http_method == "PATCH" || b.http_method == "DELETE")) {
    errors->push_back("an update or delete with an etag sends If-Match");
  }
  return request;
}

const MethodDescriptor* FindMethod(const std::string& full_name) {
  const size_t slash = full_name.find('/');
  if (slash == std::string::npos) {
    return nullptr;
  }
  const ServiceDescriptor* s =
      DescriptorPool::generated_pool()->FindServiceByName(
          full_name.substr(0, slash));
  return s == nullptr ? nullptr
                      : s->FindMethodByName(full_name.substr(slash + 1));
}

TEST(HttpAnnotationsTest, DocsShowEveryRpcInGrpcurlAndCurl) {
  std::map<std::string, int> shown;  // full method -> entries
  for (const Example& e : DocumentedExamples()) {
    // A lambda, so that a failed ASSERT skips one entry, not all.
    [&] {
      SCOPED_TRACE("docs/api.md example " + e.rpc);
      ASSERT_EQ(e.commands.size(), 2u) << "one grpcurl and one curl command";
      Command grpc;
      Command curl;
      std::string error;
      ASSERT_TRUE(ParseCommand(e.commands[0], &grpc, &error))
          << error << ": " << e.commands[0];
      ASSERT_TRUE(ParseCommand(e.commands[1], &curl, &error))
          << error << ": " << e.commands[1];
      ASSERT_EQ(grpc.tool, "grpcurl");
      ASSERT_EQ(curl.tool, "curl");

      // grpcurl: the method by its full name, the request as -d.
      EXPECT_TRUE(grpc.plaintext);
      ASSERT_EQ(grpc.args.size(), 2u) << "address and method";
      EXPECT_EQ(grpc.args[0], kGrpcAddress);
      const MethodDescriptor* m = FindMethod(grpc.args[1]);
      ASSERT_NE(m, nullptr) << grpc.args[1] << " is no method";
      EXPECT_EQ(m->file()->package(), kPackage);
      EXPECT_EQ(m->name(), e.rpc) << "the heading names the RPC";
      ++shown[m->full_name()];
      std::string header;
      const std::string* auth = HeaderValue(grpc, "authorization", &header);
      EXPECT_TRUE(auth != nullptr && *auth == "Bearer $T")
          << "grpcurl sends -H \"authorization: Bearer $T\"";
      std::unique_ptr<Message> want =
          ParseJson(m->input_type(), grpc.has_data ? grpc.data : "{}", &error);
      ASSERT_NE(want, nullptr) << "grpcurl -d: " << error;

      // curl: a route of the method, the same request.
      ASSERT_EQ(curl.args.size(), 1u) << "one URL";
      const std::string& url = curl.args[0];
      ASSERT_EQ(url.rfind(kHttpBase, 0), 0u) << url;
      EXPECT_EQ(url.find_first_of("{}*"), std::string::npos)
          << "a template left in " << url;
      const std::string rest = url.substr(std::string(kHttpBase).size());
      const size_t q = rest.find('?');
      const std::string path = rest.substr(0, q);
      const std::string query =
          q == std::string::npos ? "" : rest.substr(q + 1);
      const std::string verb = curl.verb.empty() ? "GET" : curl.verb;
      auth = HeaderValue(curl, "Authorization", &header);
      EXPECT_TRUE(auth != nullptr && *auth == "Bearer $T")
          << "curl sends -H \"Authorization: Bearer $T\"";
      EXPECT_EQ(curl.no_buffer, m->server_streaming())
          << "-N exactly for the streams";
      const Binding* route = nullptr;
      Template t;
      std::map<std::string, std::string> values;
      std::vector<std::string> routes;
      // Kept beyond the loop: `route` points into it.
      const std::vector<Binding> bindings = AllBindings();
      for (const Binding& b : bindings) {
        if (b.method != m) {
          continue;
        }
        routes.push_back(b.http_method + " " + b.path);
        Template candidate;
        ASSERT_TRUE(ParseTemplate(b.path, &candidate, &error)) << error;
        std::map<std::string, std::string> v;
        if (route == nullptr && b.http_method == verb &&
            MatchTemplate(candidate, path, &v)) {
          route = &b;
          t = candidate;
          values = v;
        }
      }
      ASSERT_NE(route, nullptr)
          << verb << " " << path << " is none of the routes of " << e.rpc
          << ": " << testing::PrintToString(routes);
      std::vector<std::string> errors;
      std::unique_ptr<Message> got =
          HttpRequestOf(*route, t, curl, values, query, &errors);
      EXPECT_THAT(errors, testing::IsEmpty()) << e.commands[1];
      ASSERT_NE(got, nullptr);
      std::string diff;
      google::protobuf::util::MessageDifferencer differ;
      differ.ReportDifferencesToString(&diff);
      EXPECT_TRUE(differ.Compare(*want, *got))
          << "curl and grpcurl send different requests:\n"
          << diff << "grpcurl: " << want->ShortDebugString()
          << "\ncurl:    " << got->ShortDebugString();
    }();
  }
  std::vector<std::string> missing;
  for (const ServiceDescriptor* s : Services()) {
    for (int i = 0; i < s->method_count(); ++i) {
      const std::string name = s->method(i)->full_name();
      if (shown[name] != 1) {
        missing.push_back(name + " (" + std::to_string(shown[name]) +
                          " entries)");
      }
    }
  }
  EXPECT_THAT(missing, testing::IsEmpty())
      << "each RPC has exactly one entry in docs/api.md \""
      << kExamplesSection + 3 << "\"";
}

}  // namespace
}  // namespace meshplane
