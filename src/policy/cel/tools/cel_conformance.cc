// cel-conformance: runs CEL conformance cases (the JSON form described in
// tests/conformance/cel/README.md) through Meshplane's CEL engine.
//
//   cel-conformance [--floor=0.97] [--section=PREFIX] [--quiet] FILE.json
//
// Each case is type-checked and then evaluated (evaluated only where
// disableCheck is set), in an environment with every extension library
// enabled (cel::Env::Extended()). A typedResult case must also have the
// deduced type. Prints every failure with its section, name, expression,
// expected and actual result, then a count per top-level section
// ("optionals: 31/32 passed") and "N passed, M failed".
// Exits 0 when the pass rate is at least the floor (default 1.0), 1 below
// it, 2 on usage or input errors.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

#include "meshplane/policy/cel/activation.h"
#include "meshplane/policy/cel/checker.h"
#include "meshplane/policy/cel/program.h"
#include "meshplane/policy/cel/type.h"
#include "meshplane/policy/cel/value.h"

namespace cel = meshplane::policy::cel;
using json = nlohmann::json;

namespace {

// Input errors inside one case are reported as failures of that case.
struct BadCase {
  std::string message;
};

cel::Value ToValue(const json& j);

double ToDouble(const json& j) {
  if (j.is_number()) return j.get<double>();
  std::string s = j.get<std::string>();
  if (s == "NaN") return std::nan("");
  if (s == "Infinity") return HUGE_VAL;
  if (s == "-Infinity") return -HUGE_VAL;
  double d = 0;
  if (!absl::SimpleAtod(s, &d)) throw BadCase{"bad double " + s};
  return d;
}

cel::Value ToValue(const json& j) {
  if (!j.is_object() || j.empty()) throw BadCase{"bad value " + j.dump()};
  auto it = j.begin();
  const std::string& kind = it.key();
  const json& v = it.value();
  if (kind == "int64Value") {
    int64_t i;
    std::string s = v.is_string() ? v.get<std::string>() : v.dump();
    if (!absl::SimpleAtoi(s, &i)) throw BadCase{"bad int " + s};
    return cel::Value::Int(i);
  }
  if (kind == "uint64Value") {
    uint64_t u;
    std::string s = v.is_string() ? v.get<std::string>() : v.dump();
    if (!absl::SimpleAtoi(s, &u)) throw BadCase{"bad uint " + s};
    return cel::Value::Uint(u);
  }
  if (kind == "doubleValue") return cel::Value::Double(ToDouble(v));
  if (kind == "stringValue") return cel::Value::String(v.get<std::string>());
  if (kind == "bytesValue") {
    std::string out;
    if (!absl::Base64Unescape(v.get<std::string>(), &out)) {
      throw BadCase{"bad base64"};
    }
    return cel::Value::Bytes(out);
  }
  if (kind == "boolValue") return cel::Value::Bool(v.get<bool>());
  if (kind == "nullValue") return cel::Value::Null();
  if (kind == "typeValue") return cel::Value::Type(v.get<std::string>());
  if (kind == "listValue") {
    std::vector<cel::Value> elems;
    if (v.contains("values")) {
      for (const json& e : v["values"]) elems.push_back(ToValue(e));
    }
    return cel::Value::List(std::move(elems));
  }
  if (kind == "mapValue") {
    std::vector<std::pair<cel::Value, cel::Value>> entries;
    if (v.contains("entries")) {
      for (const json& e : v["entries"]) {
        entries.emplace_back(ToValue(e["key"]), ToValue(e["value"]));
      }
    }
    return cel::MapValue::Build(std::move(entries));
  }
  throw BadCase{"unsupported value kind " + kind};
}

cel::Type ToType(const json& j) {
  if (j.contains("primitive")) {
    std::string p = j["primitive"].get<std::string>();
    if (p == "INT64") return cel::Type::Int();
    if (p == "UINT64") return cel::Type::Uint();
    if (p == "DOUBLE") return cel::Type::Double();
    if (p == "BOOL") return cel::Type::Bool();
    if (p == "STRING") return cel::Type::String();
    if (p == "BYTES") return cel::Type::Bytes();
    throw BadCase{"unsupported primitive " + p};
  }
  if (j.contains("listType")) {
    return cel::Type::List(ToType(j["listType"]["elemType"]));
  }
  if (j.contains("mapType")) {
    return cel::Type::Map(ToType(j["mapType"]["keyType"]),
                          ToType(j["mapType"]["valueType"]));
  }
  if (j.contains("wellKnown")) {
    std::string w = j["wellKnown"].get<std::string>();
    if (w == "TIMESTAMP") return cel::Type::Timestamp();
    if (w == "DURATION") return cel::Type::Duration();
    return cel::Type::Dyn();
  }
  if (j.contains("dyn")) return cel::Type::Dyn();
  if (j.contains("null")) return cel::Type::Null();
  throw BadCase{"unsupported type " + j.dump()};
}

// Exact comparison for test results: same kinds all the way down (an int
// result does not pass for an expected uint), NaN equal to NaN.
bool SameValue(const cel::Value& a, const cel::Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case cel::ValueKind::kDouble:
      if (std::isnan(a.double_value())) return std::isnan(b.double_value());
      return a.double_value() == b.double_value();
    case cel::ValueKind::kList: {
      if (a.list().size() != b.list().size()) return false;
      for (size_t i = 0; i < a.list().size(); ++i) {
        if (!SameValue(a.list()[i], b.list()[i])) return false;
      }
      return true;
    }
    case cel::ValueKind::kMap: {
      if (a.map().size() != b.map().size()) return false;
      for (const auto& [k, v] : a.map()) {
        const cel::Value* other = nullptr;
        for (const auto& [k2, v2] : b.map()) {
          if (SameValue(k, k2)) other = &v2;
        }
        if (other == nullptr || !SameValue(v, *other)) return false;
      }
      return true;
    }
    default:
      return cel::ValuesEqual(a, b);
  }
}

struct Outcome {
  bool pass = false;
  std::string expected;
  std::string actual;
};

Outcome RunCase(const json& c) {
  Outcome out;
  cel::Env env = cel::Env::Extended();
  if (c.contains("typeEnv")) {
    for (const json& decl : c["typeEnv"]) {
      if (decl.contains("ident")) {
        env.AddVariable(decl["name"].get<std::string>(),
                        ToType(decl["ident"]["type"]));
      }
    }
  }
  cel::Activation act;
  if (c.contains("bindings")) {
    for (const auto& [name, b] : c["bindings"].items()) {
      act.Bind(name, ToValue(b["value"]));
    }
  }
  bool expect_error = c.contains("evalError");
  cel::Value expected;
  if (c.contains("value")) {
    expected = ToValue(c["value"]);
    out.expected = expected.DebugString();
  } else if (c.contains("typedResult")) {
    expected = ToValue(c["typedResult"]["result"]);
    out.expected = expected.DebugString();
  } else if (expect_error) {
    out.expected = "<evaluation error>";
  } else {
    // The conformance format's default expectation is `true`.
    expected = cel::Value::Bool(true);
    out.expected = "true";
  }
  cel::CompileOptions options;
  options.type_check = !c.value("disableCheck", false);
  auto compiled = cel::Compile(env, c["expr"].get<std::string>(), options);
  if (!compiled.ok()) {
    out.actual = "engine failure: " + compiled.status().ToString();
    return out;
  }
  if (compiled->program == nullptr) {
    out.actual = "compile issues:\n" + compiled->FormatIssues();
    return out;
  }
  cel::Value actual = compiled->program->Evaluate(act);
  out.actual = actual.DebugString();
  if (expect_error) {
    out.pass = actual.IsError();
  } else {
    out.pass = SameValue(expected, actual);
  }
  if (out.pass && c.contains("typedResult") &&
      c["typedResult"].contains("deducedType")) {
    cel::Type want = ToType(c["typedResult"]["deducedType"]);
    if (compiled->result_type != want) {
      out.pass = false;
      out.expected += " of type " + want.ToString();
      out.actual += " of type " + compiled->result_type.ToString();
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  double floor = 1.0;
  std::string path;
  std::string section_prefix;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::StartsWith(arg, "--floor=")) {
      if (!absl::SimpleAtod(arg.substr(8), &floor)) {
        std::cerr << "cel-conformance: bad --floor\n";
        return 2;
      }
    } else if (absl::StartsWith(arg, "--section=")) {
      section_prefix = std::string(arg.substr(10));
    } else if (arg == "--quiet") {
      quiet = true;
    } else if (!arg.empty() && arg[0] == '-') {
      std::cerr << "usage: cel-conformance [--floor=F] [--section=PREFIX] "
                   "[--quiet] FILE.json\n";
      return 2;
    } else {
      path = std::string(arg);
    }
  }
  if (path.empty()) {
    std::cerr << "usage: cel-conformance [--floor=F] [--section=PREFIX] "
                 "[--quiet] FILE.json\n";
    return 2;
  }
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cel-conformance: cannot read " << path << "\n";
    return 2;
  }
  json cases = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (cases.is_discarded() || !cases.is_array()) {
    std::cerr << "cel-conformance: " << path << " is not a JSON array\n";
    return 2;
  }
  int passed = 0, failed = 0;
  // Top-level section -> {passed, total}, in name order.
  std::map<std::string, std::pair<int, int>> by_section;
  for (const json& c : cases) {
    std::string section = c.value("section", "");
    if (!absl::StartsWith(section, section_prefix)) continue;
    std::string name = c.value("name", "");
    std::string expr = c.value("expr", "");
    Outcome o;
    try {
      o = RunCase(c);
    } catch (const BadCase& bad) {
      o.actual = "bad case: " + bad.message;
    } catch (const json::exception& e) {
      o.actual = std::string("bad case: ") + e.what();
    }
    std::pair<int, int>& count =
        by_section[section.substr(0, section.find('/'))];
    ++count.second;
    if (o.pass) {
      ++passed;
      ++count.first;
      continue;
    }
    ++failed;
    if (!quiet) {
      std::cout << "FAIL " << section << "/" << name << "\n"
                << "  expr:     " << expr << "\n"
                << "  expected: " << o.expected << "\n"
                << "  actual:   " << o.actual << "\n";
    }
  }
  for (const auto& [name, count] : by_section) {
    std::cout << name << ": " << count.first << "/" << count.second
              << " passed\n";
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  int total = passed + failed;
  double rate = total == 0 ? 1.0 : static_cast<double>(passed) / total;
  return rate + 1e-12 >= floor ? 0 : 1;
}
