// audit list: the audit log and decision log (platform admins): every write,
// every refusal, every dry run and every policy evaluation, newest first.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/commands/commands.h"
#include "cli/errors.h"
#include "cli/filter.h"
#include "cli/output.h"

namespace meshplane::cli {
namespace {

namespace v1 = ::meshplane::v1;

// A string field of a Struct, or "".
std::string StringField(const google::protobuf::Struct& s,
                        const std::string& key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

// "DENY: policies/a, policies/b", "ALLOW (warned: policies/c)", or "".
std::string DecisionSummary(const google::protobuf::Struct& decision) {
  std::string outcome = StringField(decision, "outcome");
  if (outcome.empty()) return "";
  std::vector<std::string> blocking, other;
  auto it = decision.fields().find("violations");
  if (it != decision.fields().end() && it->second.has_list_value()) {
    for (const auto& v : it->second.list_value().values()) {
      if (!v.has_struct_value()) continue;
      const auto& fields = v.struct_value();
      const std::string name = StringField(fields, "policy");
      const bool enforced = StringField(fields, "enforcement") == "ENFORCED";
      const std::string effect = StringField(fields, "effect");
      (enforced && effect != "WARN" ? blocking : other).push_back(name);
    }
  }
  std::string out = outcome;
  if (!blocking.empty() && outcome != "ALLOW") {
    absl::StrAppend(&out, ": ", absl::StrJoin(blocking, ", "));
  }
  if (!other.empty())
    absl::StrAppend(&out, " (warned: ", absl::StrJoin(other, ", "), ")");
  return out;
}

std::string Outcome(const v1::AuditRecord& r) {
  std::string out =
      r.outcome_code() == 0
          ? "OK"
          : CodeName(static_cast<grpc::StatusCode>(r.outcome_code()));
  if (r.validate_only()) absl::StrAppend(&out, " (dry run)");
  return out;
}

// `method` without its package: "DataProductService/CreateDataProduct".
std::string ShortMethod(const std::string& method) {
  const std::string prefix = "meshplane.v1.";
  return method.rfind(prefix, 0) == 0 ? method.substr(prefix.size()) : method;
}

int List(Env& env, const ParsedArgs& args) {
  auto page_size = PageSize(args);
  if (!page_size.ok()) return env.Usage(page_size.status());
  v1::ListAuditRecordsRequest request;
  request.set_page_size(*page_size);
  std::vector<std::string> terms;
  if (args.Has("resource"))
    terms.push_back(
        absl::StrCat("resource = ", QuoteFilterString(args.Get("resource"))));
  if (args.Has("principal"))
    terms.push_back(
        absl::StrCat("principal = ", QuoteFilterString(args.Get("principal"))));
  request.set_filter(absl::StrJoin(terms, " AND "));
  return ShowList(
      env, PagesOf(args), env.client().events(),
      &v1::EventService::Stub::ListAuditRecords, request,
      &v1::ListAuditRecordsResponse::mutable_audit_records,
      [&](const v1::ListAuditRecordsResponse& merged, std::ostream& out) {
        Table table({"SEQ", "TIME", "PRINCIPAL", "METHOD", "RESOURCE",
                     "OUTCOME", "DECISION"});
        for (const auto& r : merged.audit_records()) {
          table.AddRow({absl::StrCat(r.sequence()), FormatTimestamp(r.time()),
                        r.principal(), ShortMethod(r.method()), r.resource(),
                        Outcome(r), DecisionSummary(r.decision())});
        }
        table.Print(out);
      });
}

}  // namespace

void RegisterAuditCommands(std::vector<Command>* commands) {
  commands->push_back(
      {{"audit", "list"},
       "",
       "list the audit and decision log, newest first (platform admins)",
       "Every write, refusal, dry run and policy evaluation, with its outcome "
       "and, where policies were evaluated, the decision: the outcome and the "
       "policies that blocked or warned. -o json shows each record whole, "
       "with the before and after images and every evaluated policy and "
       "revision.",
       {{"resource", 0, true, false, "NAME", "only records of this resource"},
        {"principal", 0, true, false, "PRINCIPAL",
         "only records of this caller"},
        PageSizeFlag(),
        PageTokenFlag(),
        AllPagesFlag()},
       0,
       0,
       {"meshplane audit list --resource domains/sales/dataProducts/orders",
        "meshplane audit list --principal user:ana@example.com -o json"},
       List});
}

}  // namespace meshplane::cli
