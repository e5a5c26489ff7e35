#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/cursors.h"
#include "store/postgres/errors.h"
#include "store/postgres/registry.h"
#include "store/postgres/registry_sql.h"
#include "store/postgres/rows.h"
#include <pqxx/pqxx>

#include "meshplane/common/errors.h"
#include "meshplane/common/status_macros.h"
#include "meshplane/model/lifecycle.h"

namespace meshplane::store::pg {

namespace {

json OptionalNumber(const std::optional<double>& d) {
  return d ? json(*d) : json(nullptr);
}

json OptionalDurationMicros(const std::optional<absl::Duration>& d) {
  return d ? json(absl::ToInt64Microseconds(*d)) : json(nullptr);
}

std::string OutputPortsJson(const std::vector<model::OutputPort>& ports) {
  json out = json::array();
  for (size_t i = 0; i < ports.size(); ++i) {
    const model::OutputPort& p = ports[i];
    out.push_back({
        {"id", p.id},
        {"ordinal", i},
        {"display_name", p.display_name},
        {"type", p.type},
        {"server", p.server},
        {"location", p.location},
        {"description", p.description},
        {"contract_id", p.contract_id},
        {"availability_percent",
         OptionalNumber(p.objectives.availability_percent)},
        {"max_staleness_us",
         OptionalDurationMicros(p.objectives.max_staleness)},
        {"completeness_percent",
         OptionalNumber(p.objectives.completeness_percent)},
        {"latency_us", OptionalDurationMicros(p.objectives.latency)},
        {"deprecated", p.deprecated},
    });
  }
  return out.dump();
}

// The ports' searchable text, kept in data_products.port_text (migration
// 0011): a generated column cannot read the port tables.
std::string PortSearchText(const model::DataProduct& p) {
  std::vector<std::string> parts;
  for (const auto& o : p.output_ports) {
    parts.insert(parts.end(),
                 {o.id, o.display_name, o.description, o.location});
  }
  for (const auto& i : p.input_ports) {
    parts.insert(parts.end(), {i.id, i.description});
  }
  return absl::StrJoin(parts, " ");
}

std::string OutputPortIdsJson(const std::vector<model::OutputPort>& ports) {
  json out = json::array();
  for (const auto& p : ports) out.push_back(p.id);
  return out.dump();
}

std::string InputPortsJson(const std::vector<model::InputPort>& ports) {
  json out = json::array();
  for (size_t i = 0; i < ports.size(); ++i) {
    const model::InputPort& p = ports[i];
    out.push_back({{"id", p.id},
                   {"ordinal", i},
                   {"sd", p.source.domain_id},
                   {"sp", p.source.product_id},
                   {"sport", p.source.port_id},
                   {"description", p.description},
                   {"deprecated", p.deprecated}});
  }
  return out.dump();
}

std::optional<double> JsonOptionalDouble(const json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<double>();
}

std::optional<absl::Duration> JsonOptionalMicros(const json& j) {
  if (j.is_null()) return std::nullopt;
  return absl::Microseconds(j.get<int64_t>());
}

absl::Status MissingSource(const model::DataProduct& p,
                           const model::OutputPortRef& source) {
  std::string port_of;
  for (const auto& in : p.input_ports) {
    if (in.source == source) {
      port_of = absl::StrCat(" (read by input port ", Quoted(in.id), ")");
      break;
    }
  }
  return absl::NotFoundError(
      absl::StrCat("source output port ", Quoted(model::OutputPortName(source)),
                   " of ", ProductPhrase(p.key()), " not found", port_of));
}

// The parameters that kInsertProduct and kUpdateProduct share, first;
// `sunset` holds p.sunset_time (OptionalMicros) and outlives the tuple.
auto ProductParams(const model::DataProduct& p, const OptionalMicros& sunset) {
  return std::make_tuple(
      p.domain_id, p.id, p.uid, p.display_name, p.description, p.owner_team_id,
      std::string(model::LifecycleName(p.lifecycle)), p.tier,
      std::string(model::ClassificationName(p.classification)),
      StringsJson(p.tags), LabelsJson(p.labels), sunset.param(),
      ToMicros(p.create_time), ToMicros(p.update_time), p.revision);
}

absl::Status ReadByOthers(const model::ProductKey& key,
                          const pqxx::row& reader) {
  model::ProductKey consumer{reader[0].as<std::string>(),
                             reader[1].as<std::string>()};
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "output port ",
          Quoted(model::OutputPortName(
              {key.domain_id, key.product_id, reader[3].as<std::string>()})),
          " of ", ProductPhrase(key), " is read by input port ",
          Quoted(reader[2].as<std::string>()), " of ", ProductPhrase(consumer),
          "; that product must stop reading it first")),
      "IN_USE");
}

}  // namespace

model::DataProduct ProductFromRow(const pqxx::row& r) {
  model::DataProduct p;
  ReadColumns(r, 0, p.domain_id, p.id, p.uid, p.display_name, p.description,
              p.owner_team_id);
  p.lifecycle = model::ParseLifecycle(r[6].as<std::string>())
                    .value_or(model::Lifecycle::kDraft);
  p.tier = r[7].as<int>();
  p.classification = model::ParseClassification(r[8].as<std::string>())
                         .value_or(model::Classification::kUnspecified);
  ReadColumns(r, 9, p.tags, p.labels, p.sunset_time, p.create_time,
              p.update_time, p.revision);
  for (const json& o : json::parse(r[15].c_str())) {
    model::OutputPort port;
    port.id = o[0].get<std::string>();
    port.display_name = o[1].get<std::string>();
    port.type = o[2].get<std::string>();
    port.server = o[3].get<std::string>();
    port.location = o[4].get<std::string>();
    port.description = o[5].get<std::string>();
    port.contract_id = o[6].get<std::string>();
    port.objectives.availability_percent = JsonOptionalDouble(o[7]);
    port.objectives.max_staleness = JsonOptionalMicros(o[8]);
    port.objectives.completeness_percent = JsonOptionalDouble(o[9]);
    port.objectives.latency = JsonOptionalMicros(o[10]);
    port.deprecated = o[11].get<bool>();
    p.output_ports.push_back(std::move(port));
  }
  for (const json& i : json::parse(r[16].c_str())) {
    model::InputPort port;
    port.id = i[0].get<std::string>();
    port.source.domain_id = i[1].get<std::string>();
    port.source.product_id = i[2].get<std::string>();
    port.source.port_id = i[3].get<std::string>();
    port.description = i[4].get<std::string>();
    port.deprecated = i[5].get<bool>();
    p.input_ports.push_back(std::move(port));
  }
  p.archetype = r[17].as<std::string>();
  p.odps_document = r[18].as<std::string>();
  return p;
}

absl::StatusOr<model::DataProduct> PgRegistryRepository::GetDataProduct(
    const model::ProductKey& key) {
  return GetRow({"GetDataProduct", ProductPhrase(key)}, ProductFromRow,
                sql::kGetProduct, key.domain_id, key.product_id);
}

absl::Status PgRegistryRepository::InsertDataProduct(
    const model::DataProduct& p) {
  return ctx_.Run(
      {"InsertDataProduct", ProductPhrase(p.key())}, [&]() -> absl::Status {
        // Checked before any write, so a refusal changes nothing.
        MP_RETURN_IF_ERROR(CheckSources(p));
        OptionalMicros sunset(p.sunset_time);
        pqxx::result r = ExecPrepared(ctx_.txn(), sql::kInsertProduct,
                                      ProductParams(p, sunset), p.archetype,
                                      p.odps_document, PortSearchText(p));
        if (r.empty()) return DiagnoseProduct(p, std::nullopt);
        WritePorts(p, /*replace=*/false);
        return absl::OkStatus();
      });
}

absl::Status PgRegistryRepository::UpdateDataProduct(
    const model::DataProduct& p, int64_t expected_revision) {
  return ctx_.Run(
      {"UpdateDataProduct", ProductPhrase(p.key())}, [&]() -> absl::Status {
        pqxx::result d = ctx_.txn().exec_prepared(
            sql::kDiagnoseProduct.name, p.domain_id, p.id, p.owner_team_id);
        if (d[0][0].is_null()) return NotFound(ProductPhrase(p.key()));
        int64_t stored = d[0][0].as<int64_t>();
        if (stored != expected_revision) {
          return EtagMismatch(ProductPhrase(p.key()), stored,
                              expected_revision);
        }
        MP_RETURN_IF_ERROR(CheckSources(p));
        pqxx::result reader = ctx_.txn().exec_prepared(
            sql::kReaderOfRemovedPort.name, p.domain_id, p.id,
            OutputPortIdsJson(p.output_ports));
        if (!reader.empty()) {
          return ReadByOthers(p.key(), reader[0]);
        }
        OptionalMicros sunset(p.sunset_time);
        pqxx::result r = ExecPrepared(
            ctx_.txn(), sql::kUpdateProduct, ProductParams(p, sunset),
            expected_revision, p.archetype, p.odps_document, PortSearchText(p));
        if (r.empty()) return DiagnoseProduct(p, expected_revision);
        WritePorts(p, /*replace=*/true);
        return absl::OkStatus();
      });
}

absl::Status PgRegistryRepository::DeleteDataProduct(
    const model::ProductKey& key) {
  return ctx_.Run(
      {"DeleteDataProduct", ProductPhrase(key), true}, [&]() -> absl::Status {
        pqxx::result reader = ctx_.txn().exec_prepared(
            sql::kFirstReader.name, key.domain_id, key.product_id);
        if (!reader.empty()) return ReadByOthers(key, reader[0]);
        MP_RETURN_IF_ERROR(RefuseWithContracts(key));
        // Its own input ports go first: they may read its own
        // output ports, which the cascade is about to remove.
        ctx_.txn().exec_prepared(sql::kDeleteInputPorts.name, key.domain_id,
                                 key.product_id);
        pqxx::result r = ctx_.txn().exec_prepared(
            sql::kDeleteProduct.name, key.domain_id, key.product_id);
        if (r.empty()) return NotFound(ProductPhrase(key));
        return absl::OkStatus();
      });
}

absl::StatusOr<Page<model::DataProduct>> PgRegistryRepository::ListDataProducts(
    const DataProductFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  MP_ASSIGN_OR_RETURN(auto cursor, ParseProductCursor(page.after));
  const std::string lifecycle =
      filter.lifecycle ? std::string(model::LifecycleName(*filter.lifecycle))
                       : std::string();
  return ListPage(
      {"ListDataProducts", ""}, page, ProductFromRow,
      [](const model::DataProduct& last) {
        return absl::StrCat(last.domain_id, "/", last.id);
      },
      sql::kListProducts, filter.domain_id, filter.include_subdomains,
      filter.owner_team_id, lifecycle, filter.tag, filter.text, cursor.first,
      cursor.second);
}

absl::Status PgRegistryRepository::DiagnoseProduct(
    const model::DataProduct& p, std::optional<int64_t> expected) {
  pqxx::row r = ctx_.txn().exec_prepared1(sql::kDiagnoseProduct.name,
                                          p.domain_id, p.id, p.owner_team_id);
  return DiagnoseWrite(
      r, ProductPhrase(p.key()), expected,
      {{1, DomainPhrase(p.domain_id), /*insert_only=*/true},
       {2, absl::StrCat("owner ", TeamPhrase(p.owner_team_id))}});
}

// NOT_FOUND naming the first input port whose source output port does not
// exist. A product may read its own output ports (checked in memory, as
// they are written only after this check).
absl::Status PgRegistryRepository::CheckSources(const model::DataProduct& p) {
  json others = json::array();
  for (const auto& in : p.input_ports) {
    if (in.source.domain_id == p.domain_id && in.source.product_id == p.id) {
      bool found = false;
      for (const auto& out : p.output_ports)
        found |= out.id == in.source.port_id;
      if (!found) return MissingSource(p, in.source);
      continue;
    }
    others.push_back({{"d", in.source.domain_id},
                      {"p", in.source.product_id},
                      {"port", in.source.port_id}});
  }
  if (others.empty()) return absl::OkStatus();
  pqxx::result r =
      ctx_.txn().exec_prepared(sql::kMissingSource.name, others.dump());
  if (r.empty()) return absl::OkStatus();
  return MissingSource(p, model::OutputPortRef{r[0][0].as<std::string>(),
                                               r[0][1].as<std::string>(),
                                               r[0][2].as<std::string>()});
}

// FAILED_PRECONDITION while contracts belong to the product: consumers
// rely on them, so they must not disappear with it.
absl::Status PgRegistryRepository::RefuseWithContracts(
    const model::ProductKey& key) {
  pqxx::row r = ctx_.txn().exec_prepared1(sql::kProductContracts.name,
                                          key.domain_id, key.product_id);
  int64_t contracts = r[1].as<int64_t>();
  if (contracts == 0) return absl::OkStatus();
  return HasChildren(absl::StrCat(
      "cannot delete ", ProductPhrase(key), ": it still owns ", contracts,
      " data contract(s), e.g. ", ContractPhrase(r[0].as<std::string>()),
      "; contracts cannot be moved or deleted"));
}

// Writes the ports of `p` (its row is already written). `replace`: the
// product existed before, so its old ports are removed first (input ports
// first, since they may read output ports that are about to go away); a
// product inserted by this transaction has none, which saves two
// statements per create.
void PgRegistryRepository::WritePorts(const model::DataProduct& p,
                                      bool replace) {
  if (replace) {
    ctx_.txn().exec_prepared(sql::kDeleteInputPorts.name, p.domain_id, p.id);
    ctx_.txn().exec_prepared(sql::kDeleteOtherOutputPorts.name, p.domain_id,
                             p.id, OutputPortIdsJson(p.output_ports));
  }
  if (!p.output_ports.empty()) {
    ctx_.txn().exec_prepared(sql::kUpsertOutputPorts.name, p.domain_id, p.id,
                             OutputPortsJson(p.output_ports));
  }
  if (!p.input_ports.empty()) {
    ctx_.txn().exec_prepared(sql::kInsertInputPorts.name, p.domain_id, p.id,
                             InputPortsJson(p.input_ports));
  }
}

}  // namespace meshplane::store::pg
