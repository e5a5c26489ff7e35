#include "meshplane/policy/cel/checker.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/cel/functions.h"

namespace meshplane::policy::cel {

Env Env::Standard() {
  Env env;
  env.functions_ = &internal::StandardRegistry();
  return env;
}

Env Env::Extended() {
  Env env = Standard();
  for (Library lib : {Library::kOptional, Library::kBindings, Library::kMath,
                      Library::kEncoders, Library::kLists, Library::kSets}) {
    env.Enable(lib);
  }
  return env;
}

Env& Env::Enable(Library library) {
  libraries_ |= static_cast<uint32_t>(library);
  functions_ = &internal::RegistryFor(libraries_);
  switch (library) {
    case Library::kOptional:
      parser_options_.enable_optional_syntax = true;
      break;
    case Library::kBindings:
      parser_options_.enable_bind_macro = true;
      break;
    case Library::kMath:
      parser_options_.enable_math_macros = true;
      break;
    case Library::kLists:
      parser_options_.enable_lists_macros = true;
      break;
    case Library::kEncoders:
    case Library::kSets:
      break;
  }
  return *this;
}

Env& Env::AddVariable(std::string name, Type type) {
  variables_[std::move(name)] = std::move(type);
  return *this;
}

const Type* Env::FindVariable(absl::string_view name) const {
  auto it = variables_.find(name);
  return it == variables_.end() ? nullptr : &it->second;
}

namespace internal {

// Type names usable as identifiers (CEL spec, "Type values"), with the
// checked type of the identifier's referent.
bool LookupTypeName(absl::string_view name, Type* type,
                    std::string* value_name) {
  struct Entry {
    const char* name;
    const char* value;
  };
  static constexpr Entry kNames[] = {
      {"int", "int"},
      {"uint", "uint"},
      {"double", "double"},
      {"bool", "bool"},
      {"string", "string"},
      {"bytes", "bytes"},
      {"null_type", "null_type"},
      {"list", "list"},
      {"map", "map"},
      {"type", "type"},
      {"dyn", "dyn"},
      {"optional_type", "optional_type"},
      {"google.protobuf.Timestamp", "google.protobuf.Timestamp"},
      {"google.protobuf.Duration", "google.protobuf.Duration"},
  };
  for (const Entry& e : kNames) {
    if (name == e.name) {
      *value_name = e.value;
      Type t;
      absl::string_view n = e.name;
      if (n == "int")
        t = Type::Int();
      else if (n == "uint")
        t = Type::Uint();
      else if (n == "double")
        t = Type::Double();
      else if (n == "bool")
        t = Type::Bool();
      else if (n == "string")
        t = Type::String();
      else if (n == "bytes")
        t = Type::Bytes();
      else if (n == "null_type")
        t = Type::Null();
      else if (n == "list")
        t = Type::List(Type::Dyn());
      else if (n == "map")
        t = Type::Map(Type::Dyn(), Type::Dyn());
      else if (n == "type")
        t = Type::TypeType(Type::Dyn());
      else if (n == "dyn")
        t = Type::Dyn();
      else if (n == "optional_type")
        t = Type::Optional(Type::Dyn());
      else if (n == "google.protobuf.Timestamp")
        t = Type::Timestamp();
      else
        t = Type::Duration();
      *type = Type::TypeType(t);
      return true;
    }
  }
  return false;
}

// The dotted name spelled by an identifier or a chain of field selections
// (a.b.c), or false.
bool QualifiedName(const Expr& e, std::string* out) {
  if (e.kind == ExprKind::kIdent) {
    *out = e.name;
    return true;
  }
  if (e.kind == ExprKind::kSelect && !e.test_only && e.target != nullptr) {
    std::string prefix;
    if (!QualifiedName(*e.target, &prefix)) return false;
    *out = absl::StrCat(prefix, ".", e.name);
    return true;
  }
  return false;
}

// The root identifier of a select chain.
const Expr* RootIdent(const Expr& e) {
  const Expr* cur = &e;
  while (cur->kind == ExprKind::kSelect && cur->target != nullptr) {
    cur = cur->target.get();
  }
  return cur->kind == ExprKind::kIdent ? cur : nullptr;
}

}  // namespace internal

namespace {

using Subs = absl::flat_hash_map<std::string, Type>;

Type TypeOfValue(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull:
      return Type::Null();
    case ValueKind::kBool:
      return Type::Bool();
    case ValueKind::kInt:
      return Type::Int();
    case ValueKind::kUint:
      return Type::Uint();
    case ValueKind::kDouble:
      return Type::Double();
    case ValueKind::kString:
      return Type::String();
    case ValueKind::kBytes:
      return Type::Bytes();
    case ValueKind::kTimestamp:
      return Type::Timestamp();
    case ValueKind::kDuration:
      return Type::Duration();
    case ValueKind::kList:
      return Type::List(Type::Dyn());
    case ValueKind::kMap:
      return Type::Map(Type::Dyn(), Type::Dyn());
    case ValueKind::kType:
      return Type::TypeType(Type::Dyn());
    case ValueKind::kOptional:
      return Type::Optional(Type::Dyn());
    case ValueKind::kError:
      return Type::Error();
  }
  return Type::Dyn();
}

// Whether a value of type `arg` may be passed where `param` is expected,
// binding type parameters in `subs`. dyn is assignable both ways (CEL spec,
// "Gradual type checking").
bool IsAssignable(const Type& param, const Type& arg, Subs* subs) {
  if (arg.kind() == Type::Kind::kError) return true;
  if (param.kind() == Type::Kind::kTypeParam) {
    auto it = subs->find(param.param_name());
    if (it != subs->end()) {
      Type bound = it->second;
      if (IsAssignable(bound, arg, subs)) return true;
      // A parameter first bound to dyn stays dyn; one bound to a concrete
      // type accepts only that type.
      return false;
    }
    (*subs)[param.param_name()] = arg;
    return true;
  }
  if (param.kind() == Type::Kind::kDyn || arg.kind() == Type::Kind::kDyn) {
    return true;
  }
  if (param.kind() != arg.kind()) return false;
  switch (param.kind()) {
    case Type::Kind::kList:
    case Type::Kind::kOptional:
      return IsAssignable(param.elem(), arg.elem(), subs);
    case Type::Kind::kMap:
      return IsAssignable(param.key(), arg.key(), subs) &&
             IsAssignable(param.value(), arg.value(), subs);
    case Type::Kind::kType:
      // All type values share one run-time type: type(int) and
      // type(double) may be compared.
      return true;
    default:
      return true;
  }
}

Type Substitute(const Type& t, const Subs& subs) {
  switch (t.kind()) {
    case Type::Kind::kTypeParam: {
      auto it = subs.find(t.param_name());
      return it == subs.end() ? Type::Dyn() : it->second;
    }
    case Type::Kind::kList:
      return Type::List(Substitute(t.elem(), subs));
    case Type::Kind::kMap:
      return Type::Map(Substitute(t.key(), subs), Substitute(t.value(), subs));
    case Type::Kind::kType:
      return Type::TypeType(Substitute(t.elem(), subs));
    case Type::Kind::kOptional:
      return Type::Optional(Substitute(t.elem(), subs));
    default:
      return t;
  }
}

bool IsBoolish(const Type& t) {
  return t.kind() == Type::Kind::kBool || t.kind() == Type::Kind::kDyn ||
         t.kind() == Type::Kind::kError;
}

class Checker {
 public:
  Checker(const Env& env, const Source& source, CheckResult* out)
      : env_(env), source_(source), out_(out) {}

  Type Check(const Expr& e) {
    Type t = CheckNode(e);
    out_->types[e.id] = t;
    return t;
  }

 private:
  void Report(const Expr& e, std::string message) {
    if (out_->issues.size() >= 100) return;
    out_->issues.push_back(source_.MakeIssue(e.offset, std::move(message)));
  }

  const Type* FindLocal(absl::string_view name) const {
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
      if (it->first == name) return &it->second;
    }
    return nullptr;
  }

  Type CheckNode(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kConst:
        return TypeOfValue(e.const_value);
      case ExprKind::kIdent:
        return CheckIdent(e);
      case ExprKind::kSelect:
        return CheckSelect(e);
      case ExprKind::kCall:
        return CheckCall(e);
      case ExprKind::kList: {
        Type elem;
        bool first = true;
        bool mixed = false;
        for (size_t i = 0; i < e.args.size(); ++i) {
          const auto& a = e.args[i];
          Type t = Check(*a);
          if (IsOptionalEntry(e, i)) t = OptionalEntryType(*a, t);
          if (first) {
            elem = t;
            first = false;
          } else if (t != elem) {
            mixed = true;
          }
        }
        return Type::List(first || mixed ? Type::Dyn() : elem);
      }
      case ExprKind::kMap: {
        Type key, value;
        bool first = true, mixed_k = false, mixed_v = false;
        for (size_t i = 0; i < e.keys.size(); ++i) {
          Type k = Check(*e.keys[i]);
          Type v = Check(*e.args[i]);
          if (IsOptionalEntry(e, i)) v = OptionalEntryType(*e.args[i], v);
          if (first) {
            key = k;
            value = v;
            first = false;
          } else {
            if (k != key) mixed_k = true;
            if (v != value) mixed_v = true;
          }
          if (k.kind() != Type::Kind::kDyn && k.kind() != Type::Kind::kError &&
              k.kind() != Type::Kind::kInt && k.kind() != Type::Kind::kUint &&
              k.kind() != Type::Kind::kBool &&
              k.kind() != Type::Kind::kString) {
            Report(*e.keys[i],
                   absl::StrCat("unsupported map key type: ", k.ToString()));
          }
        }
        return Type::Map(first || mixed_k ? Type::Dyn() : key,
                         first || mixed_v ? Type::Dyn() : value);
      }
      case ExprKind::kComprehension:
        return CheckComprehension(e);
    }
    return Type::Dyn();
  }

  static bool IsOptionalEntry(const Expr& e, size_t i) {
    return i < e.optional_entries.size() && e.optional_entries[i] != 0;
  }

  // The type an optional entry ([?x], {?k: x}) contributes: that of the
  // value it may hold. x must be an optional.
  Type OptionalEntryType(const Expr& x, const Type& t) {
    if (t.kind() == Type::Kind::kOptional) return t.elem();
    if (t.kind() == Type::Kind::kDyn || t.kind() == Type::Kind::kError) {
      return t;
    }
    Report(x, absl::StrCat("expected type 'optional_type' but found '",
                           t.ToString(), "'"));
    return Type::Error();
  }

  Type CheckIdent(const Expr& e) {
    if (const Type* local = FindLocal(e.name)) return *local;
    if (const Type* var = env_.FindVariable(e.name)) {
      out_->references[e.id].variable = e.name;
      return *var;
    }
    Type type;
    std::string type_name;
    if (internal::LookupTypeName(e.name, &type, &type_name)) {
      out_->references[e.id].type_name = type_name;
      return type;
    }
    Report(e, absl::StrCat("undeclared reference to '", e.name,
                           "' (in container '')"));
    return Type::Error();
  }

  Type CheckSelect(const Expr& e) {
    std::string qualified;
    if (!e.test_only && internal::QualifiedName(e, &qualified)) {
      const Expr* root = internal::RootIdent(e);
      if (root != nullptr && FindLocal(root->name) == nullptr) {
        if (const Type* var = env_.FindVariable(qualified)) {
          out_->references[e.id].variable = qualified;
          return *var;
        }
        Type type;
        std::string type_name;
        if (internal::LookupTypeName(qualified, &type, &type_name)) {
          out_->references[e.id].type_name = type_name;
          return type;
        }
      }
    }
    Type operand = Check(*e.target);
    if (operand.kind() == Type::Kind::kOptional) {
      // Selection on an optional is optional selection (optional
      // chaining): none stays none.
      Type inner = SelectType(e, operand.elem());
      if (e.test_only) return Type::Bool();
      return inner.kind() == Type::Kind::kError ? inner : Type::Optional(inner);
    }
    Type result = SelectType(e, operand);
    return e.test_only ? Type::Bool() : result;
  }

  // The type of field `e.name` selected on a value of type `operand`.
  Type SelectType(const Expr& e, const Type& operand) {
    Type result;
    switch (operand.kind()) {
      case Type::Kind::kMap:
        if (operand.key().kind() != Type::Kind::kString &&
            operand.key().kind() != Type::Kind::kDyn) {
          Report(e, absl::StrCat("type '", operand.ToString(),
                                 "' does not support field selection"));
          result = Type::Error();
        } else {
          result = operand.value();
        }
        break;
      case Type::Kind::kDyn:
      case Type::Kind::kError:
        result =
            operand.kind() == Type::Kind::kError ? Type::Error() : Type::Dyn();
        break;
      default:
        Report(e, absl::StrCat("type '", operand.ToString(),
                               "' does not support field selection"));
        result = Type::Error();
    }
    return result;
  }

  Type CheckCall(const Expr& e) {
    std::string name = e.name;
    bool receiver = e.target != nullptr;
    if (receiver) {
      // A receiver call whose target spells a namespace is a namespaced
      // global function: strings.quote(s).
      std::string qualified;
      if (internal::QualifiedName(*e.target, &qualified)) {
        const Expr* root = internal::RootIdent(*e.target);
        std::string full = absl::StrCat(qualified, ".", e.name);
        if (root != nullptr && FindLocal(root->name) == nullptr &&
            env_.FindVariable(root->name) == nullptr &&
            env_.FindVariable(qualified) == nullptr &&
            env_.functions().Find(full) != nullptr) {
          name = full;
          receiver = false;
          out_->references[e.id].qualified_function = full;
        }
      }
    }
    std::vector<Type> arg_types;
    if (receiver) arg_types.push_back(Check(*e.target));
    for (const auto& a : e.args) arg_types.push_back(Check(*a));

    const std::vector<int>* candidates = env_.functions().Find(name);
    if (candidates == nullptr) {
      Report(e, absl::StrCat("undeclared reference to '", name,
                             "' (in container '')"));
      return Type::Error();
    }
    std::vector<int> matched;
    Type result;
    bool first = true;
    for (int index : *candidates) {
      const internal::Overload& o = env_.functions().overload(index);
      if (o.receiver != receiver || o.params.size() != arg_types.size()) {
        continue;
      }
      Subs subs;
      bool ok = true;
      for (size_t i = 0; i < arg_types.size() && ok; ++i) {
        ok = IsAssignable(o.params[i], arg_types[i], &subs);
      }
      if (!ok) continue;
      matched.push_back(index);
      Type r = Substitute(o.result, subs);
      if (first) {
        result = r;
        first = false;
      } else if (r != result) {
        result = Type::Dyn();
      }
    }
    if (matched.empty()) {
      std::vector<std::string> names;
      for (const Type& t : arg_types) names.push_back(t.ToString());
      std::string applied;
      if (receiver) {
        applied = absl::StrCat(
            names[0], ".(", absl::StrJoin(names.begin() + 1, names.end(), ", "),
            ")");
      } else {
        applied = absl::StrCat("(", absl::StrJoin(names, ", "), ")");
      }
      Report(e, absl::StrCat("found no matching overload for '", name,
                             "' applied to '", applied, "'"));
      return Type::Error();
    }
    out_->references[e.id].overloads = std::move(matched);
    return result;
  }

  Type CheckComprehension(const Expr& e) {
    Type range = Check(*e.target);
    if (e.macro == MacroKind::kBind) {
      locals_.emplace_back(e.iter_var, range);
      Type body = Check(*e.args[0]);
      locals_.pop_back();
      return body;
    }
    if (e.macro == MacroKind::kSortBy) {
      Type var = Type::Dyn();
      if (range.kind() == Type::Kind::kList) {
        var = range.elem();
      } else if (range.kind() == Type::Kind::kError) {
        var = range;
      } else if (range.kind() != Type::Kind::kDyn) {
        Report(*e.target, absl::StrCat("sortBy needs a list, found '",
                                       range.ToString(), "'"));
      }
      locals_.emplace_back(e.iter_var, var);
      Type key = Check(*e.args[0]);
      locals_.pop_back();
      switch (key.kind()) {
        case Type::Kind::kInt:
        case Type::Kind::kUint:
        case Type::Kind::kDouble:
        case Type::Kind::kBool:
        case Type::Kind::kString:
        case Type::Kind::kBytes:
        case Type::Kind::kTimestamp:
        case Type::Kind::kDuration:
        case Type::Kind::kDyn:
        case Type::Kind::kError:
          break;
        default:
          Report(*e.args[0],
                 absl::StrCat("sortBy key of type '", key.ToString(),
                              "' is not comparable"));
      }
      return Type::List(var);
    }
    if (e.macro == MacroKind::kOptMap || e.macro == MacroKind::kOptFlatMap) {
      const char* macro =
          e.macro == MacroKind::kOptMap ? "optMap" : "optFlatMap";
      Type var = Type::Dyn();
      if (range.kind() == Type::Kind::kOptional) {
        var = range.elem();
      } else if (range.kind() == Type::Kind::kError) {
        var = range;
      } else if (range.kind() != Type::Kind::kDyn) {
        Report(*e.target, absl::StrCat(macro, " needs an optional, found '",
                                       range.ToString(), "'"));
      }
      locals_.emplace_back(e.iter_var, var);
      Type body = Check(*e.args[0]);
      locals_.pop_back();
      if (e.macro == MacroKind::kOptMap) return Type::Optional(body);
      if (body.kind() == Type::Kind::kOptional ||
          body.kind() == Type::Kind::kError) {
        return body;
      }
      if (body.kind() != Type::Kind::kDyn) {
        Report(*e.args[0],
               absl::StrCat("optFlatMap needs an optional result, found '",
                            body.ToString(), "'"));
        return Type::Error();
      }
      return Type::Optional(Type::Dyn());
    }
    Type var1 = Type::Dyn(), var2 = Type::Dyn();
    bool two = !e.iter_var2.empty();
    switch (range.kind()) {
      case Type::Kind::kList:
        if (two) {
          var1 = Type::Int();
          var2 = range.elem();
        } else {
          var1 = range.elem();
        }
        break;
      case Type::Kind::kMap:
        var1 = range.key();
        var2 = range.value();
        break;
      case Type::Kind::kDyn:
      case Type::Kind::kError:
        break;
      default:
        Report(*e.target,
               absl::StrCat("expression of type '", range.ToString(),
                            "' cannot be the range of a comprehension (must "
                            "be list, map, or dynamic)"));
        break;
    }
    locals_.emplace_back(e.iter_var, var1);
    if (two) locals_.emplace_back(e.iter_var2, var2);
    std::vector<Type> body;
    for (const auto& a : e.args) body.push_back(Check(*a));
    locals_.pop_back();
    if (two) locals_.pop_back();

    auto expect_bool = [&](size_t i) {
      if (!IsBoolish(body[i])) {
        Report(*e.args[i], absl::StrCat("expected type 'bool' but found '",
                                        body[i].ToString(), "'"));
      }
    };
    switch (e.macro) {
      case MacroKind::kAll:
      case MacroKind::kExists:
      case MacroKind::kExistsOne:
        expect_bool(0);
        return Type::Bool();
      case MacroKind::kMap:
        return Type::List(body[0]);
      case MacroKind::kMapFilter:
        expect_bool(0);
        return Type::List(body[1]);
      case MacroKind::kFilter:
        expect_bool(0);
        return Type::List(var1);
      case MacroKind::kTransformList:
        if (body.size() == 2) expect_bool(0);
        return Type::List(body.back());
      case MacroKind::kTransformMap:
        if (body.size() == 2) expect_bool(0);
        return Type::Map(var1, body.back());
      case MacroKind::kBind:
      case MacroKind::kOptMap:
      case MacroKind::kOptFlatMap:
      case MacroKind::kSortBy:
      case MacroKind::kNone:
        break;
    }
    return Type::Dyn();
  }

  const Env& env_;
  const Source& source_;
  CheckResult* out_;
  std::vector<std::pair<std::string, Type>> locals_;
};

}  // namespace

CheckResult Check(const Env& env, const Source& source, const Ast& ast) {
  CheckResult result;
  if (ast.root == nullptr) return result;
  Checker checker(env, source, &result);
  result.result_type = checker.Check(*ast.root);
  return result;
}

}  // namespace meshplane::policy::cel
