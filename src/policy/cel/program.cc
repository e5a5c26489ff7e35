// Planning (checked AST -> tree of evaluation nodes) and evaluation.
#include "meshplane/policy/cel/program.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "policy/cel/functions.h"
#include "re2/re2.h"

#include "meshplane/policy/cel/parser.h"

namespace meshplane::policy::cel {

namespace internal {

Value IndexValue(const Value& container, const Value& key);
Value InValue(const Value& elem, const Value& container);
bool LookupTypeName(absl::string_view name, Type* type,
                    std::string* value_name);
bool QualifiedName(const Expr& e, std::string* out);
const Expr* RootIdent(const Expr& e);

// Per-evaluation state. Slots hold global variables (resolved on first
// use) and comprehension variables.
struct Frame {
  const Activation* activation;
  Value* slots;
  // Comprehension variables are bound by pointer (no reference counting
  // per iteration); globals point at their slot once resolved.
  const Value** refs;
  bool* resolved;
  const std::vector<std::string>* globals;
  int64_t budget;
  int64_t alloc_budget;
  uint64_t max_weight;
};

class EvalNode {
 public:
  virtual ~EvalNode() = default;
  virtual Value Eval(Frame& frame) const = 0;
  // Evaluates without copying when the result already lives somewhere
  // stable (a constant, a variable, an element of a bound document):
  // returns a pointer to it, valid while `scratch` and the frame's current
  // bindings live; otherwise stores the result in `scratch`. Saves the
  // reference-count traffic of copying values on the hot path.
  virtual const Value* EvalRef(Frame& frame, Value* scratch) const {
    *scratch = Eval(frame);
    return scratch;
  }
  // Evaluates a condition: kTrue or kFalse for a bool result, otherwise
  // kOther with the value (usually an error) in *other.
  enum : int { kFalse = 0, kTrue = 1, kOther = 2 };
  virtual int EvalBool(Frame& frame, Value* other) const {
    Value scratch;
    const Value* v = EvalRef(frame, &scratch);
    if (v->kind() == ValueKind::kBool) return v->bool_value() ? kTrue : kFalse;
    *other = v == &scratch ? std::move(scratch) : *v;
    return kOther;
  }
  // Non-null for constants (after folding).
  virtual const Value* constant() const { return nullptr; }
  void set_offset(int offset) { offset_ = offset; }

 protected:
  // Gives an error that arose here the position of this node, so that
  // tools can show where evaluation failed.
  Value Locate(Value v) const {
    if (v.IsError() && v.error_offset() < 0) {
      return Value::Error(std::string(v.error_message()), offset_);
    }
    return v;
  }
  // Charges a newly built value to the frame's allocation budget and checks
  // its weight; returns an error value instead when either is exceeded.
  Value Account(Frame& f, Value v) const {
    int64_t cost;
    switch (v.kind()) {
      case ValueKind::kList:
        cost = static_cast<int64_t>(v.list().size());
        if (v.list().weight() > f.max_weight) return TooLarge();
        break;
      case ValueKind::kMap:
        cost = static_cast<int64_t>(v.map().size());
        if (v.map().weight() > f.max_weight) return TooLarge();
        break;
      case ValueKind::kString:
      case ValueKind::kBytes:
        cost = static_cast<int64_t>(v.string_value().size() / 16);
        break;
      default:
        return v;
    }
    f.alloc_budget -= cost + 1;
    if (f.alloc_budget < 0) {
      return Value::Error("evaluation exceeded its allocation budget", offset_);
    }
    return v;
  }
  Value TooLarge() const {
    return Value::Error("value too large (weight limit)", offset_);
  }
  int offset_ = -1;
};

using NodePtr = std::unique_ptr<EvalNode>;

namespace {

Value NoMatchingOverload(absl::string_view op) {
  return Value::Error(absl::StrCat("no matching overload for '", op, "'"));
}

// A node that computes by reference: Eval copies what EvalRef points to.
class RefNode : public EvalNode {
 public:
  Value Eval(Frame& f) const final {
    Value scratch;
    const Value* r = EvalRef(f, &scratch);
    return r == &scratch ? std::move(scratch) : *r;
  }
  const Value* EvalRef(Frame& f, Value* scratch) const override = 0;
};

class ConstNode : public EvalNode {
 public:
  explicit ConstNode(Value v) : value_(std::move(v)) {}
  Value Eval(Frame&) const override { return value_; }
  const Value* EvalRef(Frame&, Value*) const override { return &value_; }
  const Value* constant() const override { return &value_; }

 private:
  Value value_;
};

class GlobalNode : public EvalNode {
 public:
  GlobalNode(int slot, std::string name, Value type_fallback)
      : slot_(slot),
        name_(std::move(name)),
        type_fallback_(std::move(type_fallback)) {}
  Value Eval(Frame& f) const override { return *EvalRef(f, nullptr); }
  const Value* EvalRef(Frame& f, Value*) const override {
    if (!f.resolved[slot_]) {
      f.resolved[slot_] = true;
      // Bound values are borrowed from the activation, which outlives the
      // evaluation; only lazy providers' results are stored in the frame.
      const Value* v = f.activation->Find(name_, &f.slots[slot_]);
      if (v == nullptr) {
        f.slots[slot_] =
            type_fallback_.kind() == ValueKind::kType
                ? type_fallback_
                : Value::Error(absl::StrCat("no such attribute: '", name_,
                                            "' is not bound"),
                               offset_);
        v = &f.slots[slot_];
      }
      f.refs[slot_] = v;
    }
    return f.refs[slot_];
  }

 private:
  int slot_;
  std::string name_;
  Value type_fallback_;
};

class LocalNode : public EvalNode {
 public:
  explicit LocalNode(int slot) : slot_(slot) {}
  Value Eval(Frame& f) const override { return *f.refs[slot_]; }
  const Value* EvalRef(Frame& f, Value*) const override {
    return f.refs[slot_];
  }

 private:
  int slot_;
};

Value SelectField(const Value& operand, const Value& key, bool test_only) {
  if (operand.kind() == ValueKind::kOptional) {
    // Selection on an optional is optional selection; has() of a field of
    // none is false.
    if (!operand.optional_has_value()) {
      return test_only ? Value::Bool(false) : operand;
    }
    if (test_only) return SelectField(operand.optional_value(), key, true);
    return OptionalSelect(operand.optional_value(), key);
  }
  if (operand.kind() == ValueKind::kMap) {
    const Value* v = operand.map().Find(key);
    if (test_only) return Value::Bool(v != nullptr);
    if (v == nullptr) {
      return Value::Error(absl::StrCat("no such key: ", key.string_value()));
    }
    return *v;
  }
  if (operand.IsError()) return operand;
  return Value::Error(absl::StrCat("type '", operand.TypeName(),
                                   "' does not support field selection"));
}

class SelectNode : public RefNode {
 public:
  // `local_slot` >= 0 when the operand is a comprehension variable, which
  // is then read directly from the frame.
  SelectNode(NodePtr operand, std::string field, bool test_only, int local_slot)
      : operand_(std::move(operand)),
        key_(Value::InternedString(field)),
        test_only_(test_only),
        local_slot_(local_slot) {}
  const Value* EvalRef(Frame& f, Value* scratch) const override {
    Value tmp;
    const Value* operand =
        local_slot_ >= 0 ? f.refs[local_slot_] : operand_->EvalRef(f, &tmp);
    if (operand->kind() == ValueKind::kMap) {
      const MapValue& map = operand->map();
      // Field names and document keys are interned, so the entry at the
      // hinted position usually is this very key object: a pointer
      // comparison finds the field. The hint is a benign race: any value
      // is a valid guess.
      uint32_t hint = hint_.load(std::memory_order_relaxed);
      const Value* v;
      if (hint < map.size() &&
          map.entries()[hint].first.identity() == key_.identity()) {
        v = &map.entries()[hint].second;
      } else {
        uint32_t before = hint;
        v = map.FindString(key_.string_value(), &hint);
        if (v != nullptr && hint != before) {
          hint_.store(hint, std::memory_order_relaxed);
        }
      }
      if (test_only_) {
        *scratch = Value::Bool(v != nullptr);
        return scratch;
      }
      if (v != nullptr) {
        // A field of a temporary map must be copied out before it dies.
        if (operand != &tmp) return v;
        *scratch = *v;
        return scratch;
      }
    }
    *scratch = Locate(SelectField(*operand, key_, test_only_));
    return scratch;
  }

 private:
  NodePtr operand_;
  Value key_;
  bool test_only_;
  int local_slot_;
  mutable std::atomic<uint32_t> hint_{0};
};

// Unchecked evaluation of a dotted name: tries the longest bound prefix
// (CEL spec, "Name resolution"): a.b.c, then a.b with .c, then a with .b.c.
class QualifiedNode : public EvalNode {
 public:
  explicit QualifiedNode(std::vector<std::string> parts)
      : parts_(std::move(parts)) {}
  Value Eval(Frame& f) const override {
    for (size_t n = parts_.size(); n >= 1; --n) {
      std::string name = parts_[0];
      for (size_t i = 1; i < n; ++i) absl::StrAppend(&name, ".", parts_[i]);
      Value v;
      if (f.activation->Resolve(name, &v)) {
        for (size_t i = n; i < parts_.size(); ++i) {
          v = SelectField(v, Value::String(parts_[i]), false);
          if (v.IsError()) return Locate(v);
        }
        return v;
      }
    }
    return Value::Error(absl::StrCat("no such attribute: '", parts_[0], "'"),
                        offset_);
  }

 private:
  std::vector<std::string> parts_;
};

// Nodes whose result is a bool implement EvalBool, which returns kFalse,
// kTrue, or kOther with the (error or non-bool) value in *other; their Eval
// wraps it. Boolean subtrees thus pass plain ints, not Values.
class BoolNode : public EvalNode {
 public:
  Value Eval(Frame& f) const final {
    Value other;
    int r = EvalBool(f, &other);
    return r == kOther ? std::move(other) : Value::Bool(r == kTrue);
  }
  const Value* EvalRef(Frame& f, Value* scratch) const final {
    int r = EvalBool(f, scratch);
    if (r != kOther) *scratch = Value::Bool(r == kTrue);
    return scratch;
  }
};

// CEL spec, "Logical operators": && and || are commutative over errors; an
// error or a non-bool on one side is absorbed when the other side decides.
// `kDecides` is the value that decides alone: false for &&, true for ||.
template <int kDecides>
class LogicalNode : public BoolNode {
 public:
  LogicalNode(NodePtr l, NodePtr r) : l_(std::move(l)), r_(std::move(r)) {}
  int EvalBool(Frame& f, Value* other) const override {
    constexpr int kYields = kDecides == kFalse ? kTrue : kFalse;
    Value lv;
    int l = l_->EvalBool(f, &lv);
    if (l == kDecides) return kDecides;
    int r = r_->EvalBool(f, other);
    if (r == kDecides) return kDecides;
    if (l == kYields && r == kYields) return kYields;
    if (l == kOther && lv.IsError()) {
      *other = std::move(lv);
      return kOther;
    }
    if (r == kOther && other->IsError()) return kOther;
    *other = Locate(NoMatchingOverload(kDecides == kFalse ? "_&&_" : "_||_"));
    return kOther;
  }

 private:
  NodePtr l_, r_;
};

using AndNode = LogicalNode<EvalNode::kFalse>;
using OrNode = LogicalNode<EvalNode::kTrue>;

class NotNode : public BoolNode {
 public:
  explicit NotNode(NodePtr operand) : operand_(std::move(operand)) {}
  int EvalBool(Frame& f, Value* other) const override {
    int v = operand_->EvalBool(f, other);
    if (v != kOther) return v == kTrue ? kFalse : kTrue;
    if (!other->IsError()) *other = Locate(NoMatchingOverload("!_"));
    return kOther;
  }

 private:
  NodePtr operand_;
};

class CondNode : public EvalNode {
 public:
  CondNode(NodePtr c, NodePtr t, NodePtr e)
      : c_(std::move(c)), t_(std::move(t)), e_(std::move(e)) {}
  Value Eval(Frame& f) const override {
    Value other;
    int c = c_->EvalBool(f, &other);
    if (c == kTrue) return t_->Eval(f);
    if (c == kFalse) return e_->Eval(f);
    if (other.IsError()) return other;
    return Locate(NoMatchingOverload("_?_:_"));
  }
  const Value* EvalRef(Frame& f, Value* scratch) const override {
    int c = c_->EvalBool(f, scratch);
    if (c == kTrue) return t_->EvalRef(f, scratch);
    if (c == kFalse) return e_->EvalRef(f, scratch);
    if (!scratch->IsError()) {
      *scratch = Locate(NoMatchingOverload("_?_:_"));
    }
    return scratch;
  }

 private:
  NodePtr c_, t_, e_;
};

// A bool node over two strict operands (CEL spec: an error operand is the
// result, the left one first); Derived::Decide(l, r, other) does the rest.
// Static dispatch, since these nodes are the hot path of most policies.
template <typename Derived>
class StrictBinaryNode : public BoolNode {
 public:
  StrictBinaryNode(NodePtr l, NodePtr r) : l_(std::move(l)), r_(std::move(r)) {}
  int EvalBool(Frame& f, Value* other) const final {
    Value ls, rs;
    const Value* l = l_->EvalRef(f, &ls);
    if (l->IsError()) {
      *other = *l;
      return kOther;
    }
    const Value* r = r_->EvalRef(f, &rs);
    if (r->IsError()) {
      *other = *r;
      return kOther;
    }
    return static_cast<const Derived*>(this)->Decide(*l, *r, other);
  }

 private:
  NodePtr l_, r_;
};

class EqNode : public StrictBinaryNode<EqNode> {
 public:
  EqNode(NodePtr l, NodePtr r, bool negate)
      : StrictBinaryNode(std::move(l), std::move(r)), negate_(negate) {}
  int Decide(const Value& l, const Value& r, Value*) const {
    bool equal;
    if (l.kind() == ValueKind::kString && r.kind() == ValueKind::kString) {
      // The common case in policies, without the generic dispatch.
      absl::string_view a = l.string_value(), b = r.string_value();
      equal = a.size() == b.size() &&
              internal::BytesEqual(a.data(), b.data(), a.size());
    } else {
      equal = ValuesEqual(l, r);
    }
    return equal != negate_ ? kTrue : kFalse;
  }

 private:
  bool negate_;
};

// <, <=, >, >= (CEL spec, "Ordering"), across numeric kinds.
class CompareNode : public StrictBinaryNode<CompareNode> {
 public:
  CompareNode(NodePtr l, NodePtr r, int op, std::string name)
      : StrictBinaryNode(std::move(l), std::move(r)),
        op_(op),
        name_(std::move(name)) {}
  int Decide(const Value& l, const Value& r, Value* other) const {
    int cmp;
    bool unordered;
    if (!CompareValues(l, r, &cmp, &unordered)) {
      *other = Value::Error(absl::StrCat("no such overload: ", l.TypeName(),
                                         " ", name_, " ", r.TypeName()),
                            offset_);
      return kOther;
    }
    if (unordered) return kFalse;
    bool result;
    switch (op_) {
      case 0:
        result = cmp < 0;
        break;
      case 1:
        result = cmp <= 0;
        break;
      case 2:
        result = cmp > 0;
        break;
      default:
        result = cmp >= 0;
    }
    return result ? kTrue : kFalse;
  }

 private:
  int op_;
  std::string name_;
};

class IndexNode : public EvalNode {
 public:
  IndexNode(NodePtr c, NodePtr k) : c_(std::move(c)), k_(std::move(k)) {}
  Value Eval(Frame& f) const override {
    Value cs, ks;
    const Value* c = c_->EvalRef(f, &cs);
    if (c->IsError()) return *c;
    const Value* k = k_->EvalRef(f, &ks);
    if (k->IsError()) return *k;
    return Locate(IndexValue(*c, *k));
  }

 private:
  NodePtr c_, k_;
};

class InNode : public BoolNode {
 public:
  InNode(NodePtr e, NodePtr c) : e_(std::move(e)), c_(std::move(c)) {}
  int EvalBool(Frame& f, Value* other) const override {
    Value es, cs;
    const Value* e = e_->EvalRef(f, &es);
    if (e->IsError()) {
      *other = *e;
      return kOther;
    }
    const Value* c = c_->EvalRef(f, &cs);
    if (c->kind() == ValueKind::kList) {
      if (e->kind() == ValueKind::kString) {
        absl::string_view needle = e->string_value();
        for (const Value& x : c->list()) {
          if (x.kind() != ValueKind::kString) {
            if (ValuesEqual(x, *e)) return kTrue;
            continue;
          }
          absl::string_view hay = x.string_value();
          if (hay.size() == needle.size() &&
              internal::BytesEqual(hay.data(), needle.data(), hay.size())) {
            return kTrue;
          }
        }
        return kFalse;
      }
      for (const Value& x : c->list()) {
        if (ValuesEqual(x, *e)) return kTrue;
      }
      return kFalse;
    }
    if (c->kind() == ValueKind::kMap) {
      return c->map().Find(*e) != nullptr ? kTrue : kFalse;
    }
    *other = c->IsError() ? *c : Locate(InValue(*e, *c));
    return kOther;
  }

 private:
  NodePtr e_, c_;
};

// A subtree inside a comprehension body that reads only global variables:
// its value cannot change during one evaluation, so it is computed once
// per evaluation and kept in a frame slot (loop-invariant hoisting).
class CachedNode : public EvalNode {
 public:
  CachedNode(NodePtr inner, int slot) : inner_(std::move(inner)), slot_(slot) {}
  Value Eval(Frame& f) const override { return *EvalRef(f, nullptr); }
  const Value* EvalRef(Frame& f, Value*) const override {
    if (!f.resolved[slot_]) {
      // The subtree reads only globals and constants, so a borrowed result
      // stays valid for the whole evaluation.
      f.refs[slot_] = inner_->EvalRef(f, &f.slots[slot_]);
      f.resolved[slot_] = true;
    }
    return f.refs[slot_];
  }

 private:
  NodePtr inner_;
  int slot_;
};

// A call resolved to a set of overloads; picks one by run-time kinds.
class CallNode : public EvalNode {
 public:
  CallNode(std::string name, std::vector<NodePtr> args,
           std::vector<int> overloads, const FunctionRegistry* registry)
      : name_(std::move(name)),
        args_(std::move(args)),
        overloads_(std::move(overloads)),
        registry_(registry) {
    if (overloads_.size() == 1) {
      single_ = &registry_->overload(overloads_[0]);
    }
  }
  Value Eval(Frame& f) const override {
    absl::InlinedVector<Value, 4> values;
    values.reserve(args_.size());
    for (const NodePtr& a : args_) {
      values.push_back(a->Eval(f));
      // CEL functions are strict: the first error is the result.
      if (values.back().IsError()) return values.back();
    }
    int n = static_cast<int>(values.size());
    Value r = single_ != nullptr && single_->Matches(values.data(), n)
                  ? single_->impl(values.data(), n)
                  : Dispatch(*registry_, overloads_, name_, values.data(), n);
    if (r.IsError()) return Locate(std::move(r));
    // A function that returns one of its arguments (dyn(l), l + []) built
    // nothing new: only new values count against the allocation budget.
    const void* id = r.identity();
    if (id == nullptr) return r;
    for (const Value& a : values) {
      if (a.identity() == id) return r;
    }
    return Account(f, std::move(r));
  }

 private:
  std::string name_;
  std::vector<NodePtr> args_;
  std::vector<int> overloads_;
  const FunctionRegistry* registry_;
  const Overload* single_ = nullptr;
};

class MatchesConstNode : public BoolNode {
 public:
  MatchesConstNode(NodePtr text, std::unique_ptr<RE2> re)
      : text_(std::move(text)), re_(std::move(re)) {}
  int EvalBool(Frame& f, Value* other) const override {
    Value s;
    const Value* t = text_->EvalRef(f, &s);
    if (t->kind() == ValueKind::kString) {
      absl::string_view text = t->string_value();
      return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_)
                 ? kTrue
                 : kFalse;
    }
    *other = t->IsError() ? *t : Locate(NoMatchingOverload("matches"));
    return kOther;
  }

 private:
  NodePtr text_;
  std::unique_ptr<RE2> re_;
};

// A list or map literal, whose entries may be optional ([?x], {?k: x}).
class LiteralNode : public EvalNode {
 protected:
  explicit LiteralNode(std::vector<uint8_t> optional)
      : optional_(std::move(optional)) {}

  enum class Entry { kKeep, kLeaveOut, kStop };
  // What the literal does with the value *v of entry i: keeps *v (an
  // optional entry's value unwrapped), leaves the entry out (an empty
  // optional), or stops with the error now in *v.
  Entry Take(size_t i, Value* v) const {
    if (i >= optional_.size() || optional_[i] == 0) {
      return v->IsError() ? Entry::kStop : Entry::kKeep;
    }
    if (!v->IsError() && v->kind() != ValueKind::kOptional) {
      *v = Value::Error(absl::StrCat("optional entry of type '", v->TypeName(),
                                     "': expected an optional"));
    }
    if (v->IsError()) {
      *v = Locate(std::move(*v));
      return Entry::kStop;
    }
    if (!v->optional_has_value()) return Entry::kLeaveOut;
    *v = Value(v->optional_value());
    return Entry::kKeep;
  }

 private:
  std::vector<uint8_t> optional_;
};

class ListNode : public LiteralNode {
 public:
  ListNode(std::vector<NodePtr> elems, std::vector<uint8_t> optional)
      : LiteralNode(std::move(optional)), elems_(std::move(elems)) {}
  Value Eval(Frame& f) const override {
    std::vector<Value> out;
    out.reserve(elems_.size());
    for (size_t i = 0; i < elems_.size(); ++i) {
      Value v = elems_[i]->Eval(f);
      Entry entry = Take(i, &v);
      if (entry == Entry::kStop) return v;
      if (entry == Entry::kLeaveOut) continue;
      out.push_back(std::move(v));
    }
    return Account(f, Value::List(std::move(out)));
  }

 private:
  std::vector<NodePtr> elems_;
};

class MapNode : public LiteralNode {
 public:
  MapNode(std::vector<NodePtr> keys, std::vector<NodePtr> values,
          std::vector<uint8_t> optional)
      : LiteralNode(std::move(optional)),
        keys_(std::move(keys)),
        values_(std::move(values)) {}
  Value Eval(Frame& f) const override {
    std::vector<std::pair<Value, Value>> out;
    out.reserve(keys_.size());
    for (size_t i = 0; i < keys_.size(); ++i) {
      Value k = keys_[i]->Eval(f);
      if (k.IsError()) return k;
      Value v = values_[i]->Eval(f);
      Entry entry = Take(i, &v);
      if (entry == Entry::kStop) return v;
      if (entry == Entry::kLeaveOut) continue;
      out.emplace_back(std::move(k), std::move(v));
    }
    return Account(f, Locate(MapValue::Build(std::move(out))));
  }

 private:
  std::vector<NodePtr> keys_, values_;
};

// opt.optMap(x, t) and opt.optFlatMap(x, t): t with x bound to the value
// of opt, evaluated only when opt holds one; none stays none.
class OptMapNode : public EvalNode {
 public:
  OptMapNode(NodePtr target, int slot, NodePtr body, bool flat)
      : target_(std::move(target)),
        slot_(slot),
        body_(std::move(body)),
        flat_(flat) {}
  Value Eval(Frame& f) const override {
    Value t = target_->Eval(f);
    if (t.IsError()) return t;
    if (t.kind() != ValueKind::kOptional) {
      return Locate(NoMatchingOverload(flat_ ? "optFlatMap" : "optMap"));
    }
    if (!t.optional_has_value()) return t;
    f.slots[slot_] = t.optional_value();
    f.refs[slot_] = &f.slots[slot_];
    Value r = body_->Eval(f);
    if (r.IsError()) return r;
    if (!flat_) return Value::Optional(std::move(r));
    if (r.kind() != ValueKind::kOptional) {
      return Locate(NoMatchingOverload("optFlatMap"));
    }
    return r;
  }

 private:
  NodePtr target_;
  int slot_;
  NodePtr body_;
  bool flat_;
};

Value BudgetExceeded();

// list.sortBy(x, key): each key is computed once (one iteration of the
// comprehension budget each), then the elements are ordered by key,
// stably. Keys must all be of one sortable kind.
class SortByNode : public EvalNode {
 public:
  SortByNode(NodePtr range, int slot, NodePtr key)
      : range_(std::move(range)), slot_(slot), key_(std::move(key)) {}
  Value Eval(Frame& f) const override {
    Value scratch;
    const Value* r = range_->EvalRef(f, &scratch);
    if (r->IsError()) return *r;
    if (r->kind() != ValueKind::kList) {
      return Locate(NoMatchingOverload("sortBy"));
    }
    const ListValue& list = r->list();
    std::vector<Value> keys;
    keys.reserve(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      if (--f.budget < 0) return Locate(BudgetExceeded());
      f.refs[slot_] = &list[i];
      Value k = key_->Eval(f);
      if (k.IsError()) return k;
      if (!internal::Sortable(k.kind()) ||
          (!keys.empty() && k.kind() != keys[0].kind())) {
        return Locate(Value::Error(absl::StrCat(
            "sortBy: key of type '", k.TypeName(),
            keys.empty() ? "' is not comparable"
                         : absl::StrCat("' is not comparable with '",
                                        keys[0].TypeName(), "'"))));
      }
      keys.push_back(std::move(k));
    }
    std::vector<size_t> order(list.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&keys](size_t a, size_t b) {
      return SortLess(keys[a], keys[b]);
    });
    std::vector<Value> out;
    out.reserve(order.size());
    for (size_t i : order) out.push_back(list[i]);
    return Account(f, Value::List(std::move(out)));
  }

 private:
  NodePtr range_;
  int slot_;
  NodePtr key_;
};

// lists.range(n): [0, 1, ..., n-1]. Charged to the allocation budget
// before the list is built, so that a large n fails without allocating.
class RangeNode : public EvalNode {
 public:
  explicit RangeNode(NodePtr n) : n_(std::move(n)) {}
  Value Eval(Frame& f) const override {
    Value n = n_->Eval(f);
    if (n.IsError()) return n;
    if (n.kind() != ValueKind::kInt) {
      return Locate(NoMatchingOverload("lists.range"));
    }
    int64_t count = std::max<int64_t>(n.int_value(), 0);
    if (count > static_cast<int64_t>(kMaxCollectionSize) ||
        count >= f.alloc_budget) {
      f.alloc_budget = -1;
      return Value::Error("evaluation exceeded its allocation budget", offset_);
    }
    std::vector<Value> out;
    out.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) out.push_back(Value::Int(i));
    return Account(f, Value::List(std::move(out)));
  }

 private:
  NodePtr n_;
};

// root.?f.g.h.orValue(d), the common way policies read a field that may be
// absent: walks the maps from `root` by the field names without building
// the intermediate optionals. Any operand that is not a map (an error, a
// list, an optional) is left to `general`, the unfused plan of the same
// expression, so that the semantics are exactly those of the optionals.
class SelectOrValueNode : public RefNode {
 public:
  SelectOrValueNode(NodePtr root, const std::vector<std::string>& fields,
                    NodePtr fallback, NodePtr general)
      : root_(std::move(root)),
        fallback_(std::move(fallback)),
        general_(std::move(general)),
        hints_(fields.size()) {
    for (const std::string& f : fields) {
      keys_.push_back(Value::InternedString(f));
    }
    for (auto& h : hints_) h.store(0, std::memory_order_relaxed);
  }
  const Value* EvalRef(Frame& f, Value* scratch) const override {
    Value tmp;
    const Value* root = root_->EvalRef(f, &tmp);
    const Value* v = root;
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (v->kind() != ValueKind::kMap) return general_->EvalRef(f, scratch);
      uint32_t hint = hints_[i].load(std::memory_order_relaxed);
      uint32_t before = hint;
      const MapValue& map = v->map();
      if (hint < map.size() &&
          map.entries()[hint].first.identity() == keys_[i].identity()) {
        v = &map.entries()[hint].second;
        continue;
      }
      v = map.FindString(keys_[i].string_value(), &hint);
      if (v == nullptr) return fallback_->EvalRef(f, scratch);
      if (hint != before) hints_[i].store(hint, std::memory_order_relaxed);
    }
    // A field of a temporary root must be copied out before it dies.
    if (root != &tmp) return v;
    *scratch = *v;
    return scratch;
  }

 private:
  NodePtr root_;
  std::vector<Value> keys_;
  NodePtr fallback_;
  NodePtr general_;
  mutable std::vector<std::atomic<uint32_t>> hints_;
};

// opt.or(other) and opt.orValue(other): `other` is evaluated only when opt
// is none (cel-go short-circuits them likewise).
class OptOrNode : public EvalNode {
 public:
  OptOrNode(NodePtr l, NodePtr r, bool or_value)
      : l_(std::move(l)), r_(std::move(r)), or_value_(or_value) {}
  Value Eval(Frame& f) const override {
    Value l = l_->Eval(f);
    if (l.IsError()) return l;
    if (l.kind() != ValueKind::kOptional) {
      return Locate(NoMatchingOverload(or_value_ ? "orValue" : "or"));
    }
    if (l.optional_has_value()) {
      return or_value_ ? l.optional_value() : l;
    }
    Value r = r_->Eval(f);
    if (r.IsError() || or_value_) return r;
    if (r.kind() != ValueKind::kOptional) {
      return Locate(NoMatchingOverload("or"));
    }
    return r;
  }

 private:
  NodePtr l_, r_;
  bool or_value_;
};

Value BudgetExceeded() {
  return Value::Error("comprehension iteration budget exceeded");
}

// The macros (CEL spec, "Macros"), as direct loops. all/exists absorb
// errors when another element decides the result, as their expansion into
// && and || does.
class ComprehensionNode : public EvalNode {
 public:
  ComprehensionNode(MacroKind macro, NodePtr range, int slot1, int slot2,
                    std::vector<NodePtr> body)
      : macro_(macro),
        range_(std::move(range)),
        slot1_(slot1),
        slot2_(slot2),
        body_(std::move(body)) {}

  Value Eval(Frame& f) const override {
    Value v = EvalLoop(f);
    if (v.IsError()) return Locate(std::move(v));
    return Account(f, std::move(v));
  }

 private:
  Value EvalLoop(Frame& f) const {
    Value scratch;
    const Value* rp = range_->EvalRef(f, &scratch);
    const Value& range = *rp;
    if (range.IsError()) return range;
    if (range.kind() == ValueKind::kList) {
      const ListValue& list = range.list();
      return Loop(f, list.size(), [&](size_t i) {
        if (slot2_ >= 0) {
          f.slots[slot1_] = Value::Int(static_cast<int64_t>(i));
          f.refs[slot1_] = &f.slots[slot1_];
          f.refs[slot2_] = &list[i];
        } else {
          f.refs[slot1_] = &list[i];
        }
      });
    }
    if (range.kind() == ValueKind::kMap) {
      const MapValue& map = range.map();
      return Loop(f, map.size(), [&](size_t i) {
        f.refs[slot1_] = &map.entries()[i].first;
        if (slot2_ >= 0) f.refs[slot2_] = &map.entries()[i].second;
      });
    }
    return Value::Error(absl::StrCat("expression of type '", range.TypeName(),
                                     "' cannot be the range of a "
                                     "comprehension"));
  }

  template <typename Bind>
  Value Loop(Frame& f, size_t n, const Bind& bind) const {
    switch (macro_) {
      case MacroKind::kAll:
      case MacroKind::kExists: {
        bool target = macro_ == MacroKind::kExists;  // value that decides
        Value error;
        bool has_error = false;
        for (size_t i = 0; i < n; ++i) {
          if (--f.budget < 0) return BudgetExceeded();
          bind(i);
          Value other;
          int v = body_[0]->EvalBool(f, &other);
          if (v != kOther) {
            if ((v == kTrue) == target) return Value::Bool(target);
          } else if (!has_error) {
            has_error = true;
            error = other.IsError()
                        ? std::move(other)
                        : NoMatchingOverload(target ? "exists" : "all");
          }
        }
        if (has_error) return error;
        return Value::Bool(!target);
      }
      case MacroKind::kExistsOne: {
        int64_t count = 0;
        for (size_t i = 0; i < n; ++i) {
          if (--f.budget < 0) return BudgetExceeded();
          bind(i);
          Value other;
          int v = body_[0]->EvalBool(f, &other);
          if (v == kOther) {
            return other.IsError() ? other : NoMatchingOverload("exists_one");
          }
          if (v == kTrue) ++count;
        }
        return Value::Bool(count == 1);
      }
      case MacroKind::kMap:
      case MacroKind::kMapFilter:
      case MacroKind::kFilter:
      case MacroKind::kTransformList: {
        bool has_filter =
            macro_ == MacroKind::kMapFilter || macro_ == MacroKind::kFilter ||
            (macro_ == MacroKind::kTransformList && body_.size() == 2);
        std::vector<Value> out;
        Value error = ForEachKept(f, n, bind, has_filter, "filter", [&] {
          if (macro_ == MacroKind::kFilter) {
            out.push_back(*f.refs[slot1_]);
            return Value();
          }
          Value v = body_.back()->Eval(f);
          if (v.IsError()) return v;
          out.push_back(std::move(v));
          return Value();
        });
        if (error.IsError()) return error;
        return Value::List(std::move(out));
      }
      case MacroKind::kTransformMap: {
        std::vector<std::pair<Value, Value>> out;
        Value error =
            ForEachKept(f, n, bind, body_.size() == 2, "transformMap", [&] {
              Value v = body_.back()->Eval(f);
              if (v.IsError()) return v;
              out.emplace_back(*f.refs[slot1_], std::move(v));
              return Value();
            });
        if (error.IsError()) return error;
        return MapValue::Build(std::move(out));
      }
      case MacroKind::kBind:
      case MacroKind::kOptMap:
      case MacroKind::kOptFlatMap:
      case MacroKind::kSortBy:
      case MacroKind::kNone:
        break;
    }
    return Value::Error("unknown macro");
  }

  // The loop of the macros that build a list or a map: binds each entry,
  // skips those the filter (body_[0], when `has_filter`) refuses, and calls
  // `add` on the rest. An error from the filter or from `add` ends the loop
  // and is returned; otherwise a null value.
  template <typename Bind, typename Add>
  Value ForEachKept(Frame& f, size_t n, const Bind& bind, bool has_filter,
                    absl::string_view name, const Add& add) const {
    for (size_t i = 0; i < n; ++i) {
      if (--f.budget < 0) return BudgetExceeded();
      bind(i);
      if (has_filter) {
        Value keep = body_[0]->Eval(f);
        if (keep.kind() != ValueKind::kBool) {
          return keep.IsError() ? keep : NoMatchingOverload(name);
        }
        if (!keep.bool_value()) continue;
      }
      Value error = add();
      if (error.IsError()) return error;
    }
    return Value();
  }

  MacroKind macro_;
  NodePtr range_;
  int slot1_, slot2_;
  std::vector<NodePtr> body_;
};

// cel.bind(x, init, body): init is evaluated once, before the body, and
// bound to x for the body only. An error in init is a value like any
// other: it surfaces only if the body uses x.
class BindNode : public EvalNode {
 public:
  BindNode(NodePtr init, int slot, NodePtr body)
      : init_(std::move(init)), slot_(slot), body_(std::move(body)) {}
  Value Eval(Frame& f) const override {
    Bind(f);
    return body_->Eval(f);
  }
  const Value* EvalRef(Frame& f, Value* scratch) const override {
    Bind(f);
    const Value* r = body_->EvalRef(f, scratch);
    // The slot is reused by the next evaluation of this node (inside a
    // comprehension); a result that points into it must be copied out.
    if (r == &f.slots[slot_]) {
      *scratch = *r;
      return scratch;
    }
    return r;
  }
  int EvalBool(Frame& f, Value* other) const override {
    Bind(f);
    return body_->EvalBool(f, other);
  }

 private:
  void Bind(Frame& f) const {
    const Value* v = init_->EvalRef(f, &f.slots[slot_]);
    f.refs[slot_] = v;
  }
  NodePtr init_;
  int slot_;
  NodePtr body_;
};

bool AllConst(const std::vector<NodePtr>& nodes) {
  for (const NodePtr& n : nodes) {
    if (n->constant() == nullptr) return false;
  }
  return true;
}

}  // namespace
}  // namespace internal

// Builds a Program from an AST and (optionally) the checker's result.
class ProgramBuilder {
 public:
  ProgramBuilder(const Env& env, const Source& source, const CheckResult* check)
      : env_(env), source_(source), check_(check) {}

  internal::NodePtr Plan(const Expr& e) {
    int saved = min_ref_level_;
    min_ref_level_ = kNoLocalRef;
    internal::NodePtr node = PlanNode(e);
    node->set_offset(e.offset);
    // Invariant: reads no variable of an enclosing comprehension (its own
    // inner comprehensions' variables do not count).
    bool invariant = min_ref_level_ > comprehension_depth_;
    min_ref_level_ = std::min(saved, min_ref_level_);
    // Inside a comprehension body, hoist invariant subtrees: they are
    // evaluated once per evaluation, not once per iteration.
    if (comprehension_depth_ > 0 && invariant && node->constant() == nullptr &&
        (e.kind == ExprKind::kSelect || e.kind == ExprKind::kCall ||
         e.kind == ExprKind::kList || e.kind == ExprKind::kMap ||
         e.kind == ExprKind::kComprehension)) {
      node = std::make_unique<internal::CachedNode>(std::move(node),
                                                    slot_count_++);
      node->set_offset(e.offset);
    }
    return node;
  }

  std::vector<Issue>& issues() { return issues_; }
  std::vector<std::string>& globals() { return globals_; }
  int slot_count() const { return slot_count_; }

 private:
  using NodePtr = internal::NodePtr;

  const Reference* Ref(const Expr& e) const {
    if (check_ == nullptr) return nullptr;
    auto it = check_->references.find(e.id);
    return it == check_->references.end() ? nullptr : &it->second;
  }

  // Evaluates a node whose inputs are all constant, once, at plan time.
  NodePtr Fold(NodePtr node, int offset) {
    node->set_offset(offset);
    internal::Frame frame{nullptr,
                          nullptr,
                          nullptr,
                          nullptr,
                          nullptr,
                          env_.eval_options().comprehension_budget,
                          env_.eval_options().allocation_budget,
                          env_.eval_options().max_value_weight};
    Activation empty;
    frame.activation = &empty;
    Value v = node->Eval(frame);
    return std::make_unique<internal::ConstNode>(std::move(v));
  }

  int GlobalSlot(const std::string& name) {
    auto it = global_slots_.find(name);
    if (it != global_slots_.end()) return it->second;
    int slot = slot_count_++;
    global_slots_[name] = slot;
    globals_.push_back(name);
    return slot;
  }

  struct Local {
    std::string name;
    int slot;
    int level;  // comprehension nesting depth that binds it (1 = outermost)
  };

  const Local* FindLocalVar(absl::string_view name) const {
    for (auto it = locals_.rbegin(); it != locals_.rend(); ++it) {
      if (it->name == name) return &*it;
    }
    return nullptr;
  }

  int FindLocal(absl::string_view name) const {
    const Local* local = FindLocalVar(name);
    return local == nullptr ? -1 : local->slot;
  }

  NodePtr PlanNode(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kConst:
        return std::make_unique<internal::ConstNode>(e.const_value);
      case ExprKind::kIdent:
        return PlanIdent(e);
      case ExprKind::kSelect:
        return PlanSelect(e);
      case ExprKind::kCall:
        return PlanCall(e);
      case ExprKind::kList: {
        std::vector<NodePtr> elems;
        for (const auto& a : e.args) elems.push_back(Plan(*a));
        bool all_const = internal::AllConst(elems);
        NodePtr node = std::make_unique<internal::ListNode>(std::move(elems),
                                                            e.optional_entries);
        return all_const ? Fold(std::move(node), e.offset) : std::move(node);
      }
      case ExprKind::kMap: {
        std::vector<NodePtr> keys, values;
        for (const auto& k : e.keys) keys.push_back(Plan(*k));
        for (const auto& v : e.args) values.push_back(Plan(*v));
        bool all_const = internal::AllConst(keys) && internal::AllConst(values);
        NodePtr node = std::make_unique<internal::MapNode>(
            std::move(keys), std::move(values), e.optional_entries);
        return all_const ? Fold(std::move(node), e.offset) : std::move(node);
      }
      case ExprKind::kComprehension: {
        NodePtr range = Plan(*e.target);
        if (e.macro == MacroKind::kBind || e.macro == MacroKind::kOptMap ||
            e.macro == MacroKind::kOptFlatMap ||
            e.macro == MacroKind::kSortBy) {
          int slot = slot_count_++;
          // sortBy's key runs once per element, like a comprehension body:
          // what it computes without reading x is hoisted. The bodies of
          // cel.bind and optMap run once; the name they bind belongs to the
          // enclosing level, so that nothing reading it is hoisted out of
          // an enclosing loop (nor cached for the evaluation).
          bool loop = e.macro == MacroKind::kSortBy;
          if (loop) ++comprehension_depth_;
          locals_.push_back(Local{e.iter_var, slot, comprehension_depth_});
          NodePtr body = Plan(*e.args[0]);
          if (loop) --comprehension_depth_;
          locals_.pop_back();
          if (e.macro == MacroKind::kBind) {
            return std::make_unique<internal::BindNode>(std::move(range), slot,
                                                        std::move(body));
          }
          if (e.macro == MacroKind::kSortBy) {
            return std::make_unique<internal::SortByNode>(
                std::move(range), slot, std::move(body));
          }
          return std::make_unique<internal::OptMapNode>(
              std::move(range), slot, std::move(body),
              e.macro == MacroKind::kOptFlatMap);
        }
        int slot1 = slot_count_++;
        int slot2 = e.iter_var2.empty() ? -1 : slot_count_++;
        int level = comprehension_depth_ + 1;
        locals_.push_back(Local{e.iter_var, slot1, level});
        if (slot2 >= 0) locals_.push_back(Local{e.iter_var2, slot2, level});
        std::vector<NodePtr> body;
        // References to this comprehension's own variables count as local
        // uses for the enclosing nodes too, which keeps them from hoisting.
        ++comprehension_depth_;
        for (const auto& a : e.args) body.push_back(Plan(*a));
        --comprehension_depth_;
        locals_.pop_back();
        if (slot2 >= 0) locals_.pop_back();
        return std::make_unique<internal::ComprehensionNode>(
            e.macro, std::move(range), slot1, slot2, std::move(body));
      }
    }
    return std::make_unique<internal::ConstNode>(
        Value::Error("unknown expression"));
  }

  NodePtr PlanIdent(const Expr& e) {
    if (const Local* local = FindLocalVar(e.name)) {
      min_ref_level_ = std::min(min_ref_level_, local->level);
      return std::make_unique<internal::LocalNode>(local->slot);
    }
    const Reference* ref = Ref(e);
    if (ref != nullptr && !ref->type_name.empty()) {
      return std::make_unique<internal::ConstNode>(Value::Type(ref->type_name));
    }
    std::string var =
        ref != nullptr && !ref->variable.empty() ? ref->variable : e.name;
    Value type_fallback;
    if (check_ == nullptr) {
      Type t;
      std::string type_name;
      if (internal::LookupTypeName(e.name, &t, &type_name)) {
        type_fallback = Value::Type(type_name);
      }
    }
    return std::make_unique<internal::GlobalNode>(GlobalSlot(var), var,
                                                  std::move(type_fallback));
  }

  NodePtr PlanSelect(const Expr& e) {
    const Reference* ref = Ref(e);
    if (ref != nullptr && !ref->variable.empty()) {
      return std::make_unique<internal::GlobalNode>(GlobalSlot(ref->variable),
                                                    ref->variable, Value());
    }
    if (ref != nullptr && !ref->type_name.empty()) {
      return std::make_unique<internal::ConstNode>(Value::Type(ref->type_name));
    }
    if (check_ == nullptr && !e.test_only) {
      std::string qualified;
      const Expr* root = internal::RootIdent(e);
      if (root != nullptr && FindLocal(root->name) < 0 &&
          internal::QualifiedName(e, &qualified)) {
        Type t;
        std::string type_name;
        if (internal::LookupTypeName(qualified, &t, &type_name)) {
          return std::make_unique<internal::ConstNode>(Value::Type(type_name));
        }
        std::vector<std::string> parts;
        const Expr* cur = &e;
        while (cur->kind == ExprKind::kSelect) {
          parts.insert(parts.begin(), cur->name);
          cur = cur->target.get();
        }
        parts.insert(parts.begin(), cur->name);
        return std::make_unique<internal::QualifiedNode>(std::move(parts));
      }
    }
    NodePtr operand = Plan(*e.target);
    bool is_const = operand->constant() != nullptr;
    int local_slot =
        e.target->kind == ExprKind::kIdent ? FindLocal(e.target->name) : -1;
    NodePtr node = std::make_unique<internal::SelectNode>(
        std::move(operand), e.name, e.test_only, local_slot);
    return is_const ? Fold(std::move(node), e.offset) : std::move(node);
  }

  NodePtr PlanCall(const Expr& e) {
    const Reference* ref = Ref(e);
    std::string name = e.name;
    bool receiver = e.target != nullptr;
    if (ref != nullptr && !ref->qualified_function.empty()) {
      name = ref->qualified_function;
      receiver = false;
    } else if (check_ == nullptr && receiver) {
      std::string qualified;
      const Expr* root = internal::RootIdent(*e.target);
      if (root != nullptr && FindLocal(root->name) < 0 &&
          internal::QualifiedName(*e.target, &qualified)) {
        std::string full = absl::StrCat(qualified, ".", e.name);
        if (env_.functions().Find(full) != nullptr) {
          name = full;
          receiver = false;
        }
      }
    }
    std::vector<NodePtr> args;
    if (receiver) args.push_back(Plan(*e.target));
    for (const auto& a : e.args) args.push_back(Plan(*a));
    bool all_const = internal::AllConst(args);
    NodePtr node;
    if (name == "_&&_" && args.size() == 2 && !receiver) {
      node = std::make_unique<internal::AndNode>(std::move(args[0]),
                                                 std::move(args[1]));
    } else if (name == "_||_" && args.size() == 2 && !receiver) {
      node = std::make_unique<internal::OrNode>(std::move(args[0]),
                                                std::move(args[1]));
    } else if (name == "!_" && args.size() == 1 && !receiver) {
      node = std::make_unique<internal::NotNode>(std::move(args[0]));
    } else if (name == "_?_:_" && args.size() == 3 && !receiver) {
      node = std::make_unique<internal::CondNode>(
          std::move(args[0]), std::move(args[1]), std::move(args[2]));
    } else if ((name == "_==_" || name == "_!=_") && args.size() == 2 &&
               !receiver) {
      node = std::make_unique<internal::EqNode>(
          std::move(args[0]), std::move(args[1]), name == "_!=_");
    } else if ((name == "_<_" || name == "_<=_" || name == "_>_" ||
                name == "_>=_") &&
               args.size() == 2 && !receiver) {
      int op = name == "_<_" ? 0 : name == "_<=_" ? 1 : name == "_>_" ? 2 : 3;
      node = std::make_unique<internal::CompareNode>(
          std::move(args[0]), std::move(args[1]), op,
          name.substr(1, name.size() - 2));
    } else if (name == "_[_]" && args.size() == 2 && !receiver) {
      node = std::make_unique<internal::IndexNode>(std::move(args[0]),
                                                   std::move(args[1]));
    } else if ((name == "or" || name == "orValue") && args.size() == 2 &&
               receiver && env_.functions().Find("orValue") != nullptr) {
      node = std::make_unique<internal::OptOrNode>(
          std::move(args[0]), std::move(args[1]), name == "orValue");
      if (name == "orValue" && !all_const) {
        if (NodePtr fused = PlanSelectOrValue(e, &node)) return fused;
      }
    } else if (name == "lists.range" && args.size() == 1 && !receiver &&
               env_.functions().Find(name) != nullptr) {
      // Never folded: its cost is charged to each evaluation.
      return std::make_unique<internal::RangeNode>(std::move(args[0]));
    } else if (name == "@in" && args.size() == 2 && !receiver) {
      node = std::make_unique<internal::InNode>(std::move(args[0]),
                                                std::move(args[1]));
    } else if (name == "matches" && args.size() == 2 &&
               args[1]->constant() != nullptr &&
               args[1]->constant()->kind() == ValueKind::kString &&
               args[0]->constant() == nullptr) {
      // Constant patterns compile once, here (never per evaluation); a bad
      // pattern is reported as an issue when the policy is written.
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(8 << 20);
      absl::string_view pattern = args[1]->constant()->string_value();
      auto re = std::make_unique<RE2>(
          re2::StringPiece(pattern.data(), pattern.size()), options);
      if (!re->ok()) {
        issues_.push_back(source_.MakeIssue(
            e.args.empty() ? e.offset : e.args.back()->offset,
            absl::StrCat("invalid regular expression: ", re->error())));
        return std::make_unique<internal::ConstNode>(
            Value::Error("invalid regular expression"));
      }
      return std::make_unique<internal::MatchesConstNode>(std::move(args[0]),
                                                          std::move(re));
    } else {
      std::vector<int> overloads;
      if (ref != nullptr && !ref->overloads.empty()) {
        overloads = ref->overloads;
      } else if (const std::vector<int>* all = env_.functions().Find(name)) {
        for (int i : *all) {
          const internal::Overload& o = env_.functions().overload(i);
          if (o.receiver == receiver && o.params.size() == args.size() &&
              o.impl != nullptr) {
            overloads.push_back(i);
          }
        }
      }
      if (overloads.empty()) {
        return std::make_unique<internal::ConstNode>(
            Value::Error(absl::StrCat("no such overload: '", name, "' with ",
                                      args.size(), " argument(s)"),
                         e.offset));
      }
      node = std::make_unique<internal::CallNode>(
          name, std::move(args), std::move(overloads), &env_.functions());
    }
    return all_const ? Fold(std::move(node), e.offset) : std::move(node);
  }

  // For `root.?f.g...orValue(d)` (e), a SelectOrValueNode over the fields,
  // with `*general` (the plan of e as written) for the uncommon cases; null
  // when e has another shape. The chain starts at its innermost `.?`.
  NodePtr PlanSelectOrValue(const Expr& e, NodePtr* general) {
    std::vector<std::string> fields;  // outermost first
    const Expr* cur = e.target.get();
    const Expr* root = nullptr;
    size_t optional_steps = 0;  // fields up to the innermost `.?`
    while (true) {
      if (cur->kind == ExprKind::kSelect && !cur->test_only &&
          cur->target != nullptr) {
        fields.push_back(cur->name);
        cur = cur->target.get();
      } else if (cur->kind == ExprKind::kCall && cur->name == "_?._" &&
                 cur->target == nullptr && cur->args.size() == 2 &&
                 cur->args[1]->kind == ExprKind::kConst &&
                 cur->args[1]->const_value.kind() == ValueKind::kString) {
        fields.emplace_back(cur->args[1]->const_value.string_value());
        optional_steps = fields.size();
        root = cur->args[0].get();
        cur = root;
      } else {
        break;
      }
    }
    if (optional_steps == 0 || fields.size() > 8) return nullptr;
    // Selections below the innermost `.?` belong to the root, which may
    // itself be a variable's select chain (a resolved dotted name).
    fields.resize(optional_steps);
    std::reverse(fields.begin(), fields.end());
    NodePtr root_node = Plan(*root);
    NodePtr fallback = Plan(*e.args[0]);
    return std::make_unique<internal::SelectOrValueNode>(
        std::move(root_node), fields, std::move(fallback), std::move(*general));
  }

  const Env& env_;
  const Source& source_;
  const CheckResult* check_;
  std::vector<Issue> issues_;
  std::vector<std::string> globals_;
  absl::flat_hash_map<std::string, int> global_slots_;
  std::vector<Local> locals_;
  int slot_count_ = 0;
  static constexpr int kNoLocalRef = 1 << 30;
  // The outermost level of the comprehension variables read by the subtree
  // being planned (kNoLocalRef if none).
  int min_ref_level_ = kNoLocalRef;
  int comprehension_depth_ = 0;

  friend absl::StatusOr<CompileResult> Compile(const Env&, absl::string_view,
                                               const CompileOptions&);

 public:
  static std::shared_ptr<Program> Make(std::shared_ptr<const Source> source,
                                       NodePtr root,
                                       std::vector<std::string> globals,
                                       int slot_count, EvalOptions options,
                                       Type result_type) {
    std::shared_ptr<Program> p(new Program());
    p->source_ = std::move(source);
    p->root_ = std::move(root);
    p->globals_ = std::move(globals);
    p->slot_count_ = slot_count;
    p->options_ = options;
    p->result_type_ = std::move(result_type);
    return p;
  }
};

Program::~Program() = default;

Value Program::Evaluate(const Activation& activation) const {
  absl::InlinedVector<Value, 16> slots(static_cast<size_t>(slot_count_));
  absl::InlinedVector<bool, 16> resolved(static_cast<size_t>(slot_count_),
                                         false);
  absl::InlinedVector<const Value*, 16> refs(static_cast<size_t>(slot_count_),
                                             nullptr);
  internal::Frame frame{&activation,
                        slots.data(),
                        refs.data(),
                        resolved.data(),
                        &globals_,
                        options_.comprehension_budget,
                        options_.allocation_budget,
                        options_.max_value_weight};
  return root_->Eval(frame);
}

std::string CompileResult::FormatIssues() const {
  if (source == nullptr) return "";
  return cel::FormatIssues(*source, issues);
}

absl::StatusOr<CompileResult> Compile(const Env& env,
                                      absl::string_view expression,
                                      const CompileOptions& options) {
  CompileResult result;
  auto source = std::make_shared<const Source>(std::string(expression));
  result.source = source;
  ParseResult parsed = Parse(*source, env.parser_options());
  if (!parsed.issues.empty()) {
    result.issues = std::move(parsed.issues);
    return result;
  }
  CheckResult checked;
  const CheckResult* check = nullptr;
  if (options.type_check) {
    checked = Check(env, *source, parsed.ast);
    if (!checked.issues.empty()) {
      result.issues = std::move(checked.issues);
      return result;
    }
    check = &checked;
    result.result_type = checked.result_type;
  }
  ProgramBuilder builder(env, *source, check);
  internal::NodePtr root = builder.Plan(*parsed.ast.root);
  if (!builder.issues().empty()) {
    result.issues = std::move(builder.issues());
    return result;
  }
  if (root == nullptr)
    return absl::InternalError("planner produced no program");
  result.program = ProgramBuilder::Make(
      source, std::move(root), std::move(builder.globals()),
      builder.slot_count(), env.eval_options(), result.result_type);
  return result;
}

}  // namespace meshplane::policy::cel
