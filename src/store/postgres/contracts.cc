#include "store/postgres/contracts.h"

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "store/postgres/contracts_sql.h"
#include "store/postgres/cursors.h"
#include "store/postgres/errors.h"
#include "store/postgres/rows.h"
#include <pqxx/pqxx>

#include "meshplane/common/status_macros.h"
#include "meshplane/model/contract.h"

namespace meshplane::store::pg {

namespace {

model::Contract ContractFromRow(const pqxx::row& r) {
  model::Contract c;
  ReadColumns(r, 0, c.id, c.uid, c.product.domain_id, c.product.product_id,
              c.display_name, c.description, c.compatibility_mode, c.state,
              c.deprecation_message, c.latest_version, c.version_count,
              c.labels, c.create_time, c.update_time, c.revision);
  return c;
}

model::ContractVersion ContractVersionFromRow(const pqxx::row& r) {
  model::ContractVersion v;
  ReadColumns(r, 0, v.contract_id, v.version, v.major, v.minor, v.patch,
              v.prerelease, v.status, v.original_yaml, v.normalized_json,
              v.content_hash, v.published_by, v.create_time, v.report_json);
  return v;
}

store::ContractPortReader ReaderFromRow(const pqxx::row& row) {
  store::ContractPortReader c;
  ReadColumns(row, 0, c.port.domain_id, c.port.product_id, c.port.port_id,
              c.port_owner_team_id);
  if (!row[4].is_null()) {
    c.reader =
        model::ProductKey{row[4].as<std::string>(), row[5].as<std::string>()};
    c.reader_input_port_id = row[6].as<std::string>();
    c.reader_owner_team_id = row[7].as<std::string>();
  }
  return c;
}

// The parameters of kInsertContract and kUpdateContract (then its expected
// revision).
auto ContractParams(const model::Contract& c) {
  return std::make_tuple(
      c.id, c.uid, c.product.domain_id, c.product.product_id, c.display_name,
      c.description, c.compatibility_mode, c.state, c.deprecation_message,
      c.latest_version, c.version_count, LabelsJson(c.labels),
      ToMicros(c.create_time), ToMicros(c.update_time), c.revision);
}

}  // namespace

absl::StatusOr<model::Contract> PgContractRepository::GetContract(
    absl::string_view id) {
  return GetRow({"GetContract", ContractPhrase(id)}, ContractFromRow,
                sql::kGetContract, std::string(id));
}

absl::Status PgContractRepository::InsertContract(const model::Contract& c) {
  return WriteContract(c, std::nullopt);
}

absl::Status PgContractRepository::UpdateContract(const model::Contract& c,
                                                  int64_t expected_revision) {
  return WriteContract(c, expected_revision);
}

absl::Status PgContractRepository::WriteContract(
    const model::Contract& c, std::optional<int64_t> expected) {
  return ctx_.Run(
      {expected ? "UpdateContract" : "InsertContract", ContractPhrase(c.id)},
      [&]() -> absl::Status {
        if (InsertOrUpdate(sql::kInsertContract, sql::kUpdateContract,
                           ContractParams(c), expected)) {
          return absl::OkStatus();
        }
        return DiagnoseContract(c, expected);
      });
}

absl::StatusOr<Page<model::Contract>> PgContractRepository::ListContracts(
    const ContractFilter& filter, const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  model::ProductKey product = filter.product.value_or(model::ProductKey{});
  return ListPage(
      {"ListContracts", ""}, page, ContractFromRow,
      [](const model::Contract& last) { return last.id; }, sql::kListContracts,
      product.domain_id, product.product_id, filter.domain_id, filter.state,
      page.after);
}

absl::Status PgContractRepository::InsertContractVersion(
    const model::ContractVersion& v) {
  return ctx_.Run(
      {"InsertContractVersion",
       ContractVersionPhrase(v.contract_id, v.version)},
      [&]() -> absl::Status {
        pqxx::result r = ctx_.txn().exec_prepared(
            sql::kInsertContractVersion.name, v.contract_id, v.version, v.major,
            v.minor, v.patch, v.prerelease,
            model::PrereleaseOrderKey(v.prerelease), v.status, v.original_yaml,
            v.normalized_json, v.content_hash, v.published_by,
            ToMicros(v.create_time), v.report_json);
        if (!r.empty()) return absl::OkStatus();
        if (!ContractExists(v.contract_id)) {
          return absl::NotFoundError(absl::StrCat(
              ContractPhrase(v.contract_id), " of ",
              ContractVersionPhrase(v.contract_id, v.version), " not found"));
        }
        return absl::AlreadyExistsError(
            absl::StrCat(ContractVersionPhrase(v.contract_id, v.version),
                         " already exists; published versions are immutable"));
      });
}

absl::StatusOr<model::ContractVersion> PgContractRepository::GetContractVersion(
    absl::string_view contract_id, absl::string_view version) {
  return ctx_.Run(
      {"GetContractVersion", ContractVersionPhrase(contract_id, version)},
      [&]() -> absl::StatusOr<model::ContractVersion> {
        pqxx::result r = ctx_.txn().exec_prepared(sql::kGetContractVersion.name,
                                                  std::string(contract_id),
                                                  std::string(version));
        if (!r.empty()) return ContractVersionFromRow(r[0]);
        if (!ContractExists(contract_id)) {
          return NotFound(ContractPhrase(contract_id));
        }
        return NotFound(ContractVersionPhrase(contract_id, version));
      });
}

absl::StatusOr<Page<model::ContractVersion>>
PgContractRepository::ListContractVersions(absl::string_view contract_id,
                                           const PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  return ctx_.Run({"ListContractVersions", ContractPhrase(contract_id)},
                  [&]() -> absl::StatusOr<Page<model::ContractVersion>> {
                    pqxx::result r = ctx_.txn().exec_prepared(
                        sql::kListContractVersions.name,
                        std::string(contract_id), page.after, page.limit + 1);
                    if (r.empty() && !ContractExists(contract_id)) {
                      return NotFound(ContractPhrase(contract_id));
                    }
                    return KeysetPage(r, page.limit, ContractVersionFromRow,
                                      [](const model::ContractVersion& last) {
                                        return last.version;
                                      });
                  });
}

absl::StatusOr<std::vector<model::ContractVersion>>
PgContractRepository::AllContractVersions(absl::string_view contract_id) {
  return ctx_.Run({"AllContractVersions", ContractPhrase(contract_id)},
                  [&]() -> absl::StatusOr<std::vector<model::ContractVersion>> {
                    pqxx::result r =
                        ctx_.txn().exec_prepared(sql::kAllContractVersions.name,
                                                 std::string(contract_id));
                    if (r.empty() && !ContractExists(contract_id)) {
                      return NotFound(ContractPhrase(contract_id));
                    }
                    std::vector<model::ContractVersion> out;
                    out.reserve(r.size());
                    for (const auto& row : r) {
                      out.push_back(ContractVersionFromRow(row));
                    }
                    return out;
                  });
}

absl::StatusOr<std::vector<store::ContractPortReader>>
PgContractRepository::ContractReaders(absl::string_view contract_id) {
  return AllRows({"ContractReaders", ContractPhrase(contract_id)},
                 ReaderFromRow, sql::kContractReaders,
                 std::string(contract_id));
}

absl::Status PgContractRepository::DiagnoseContract(
    const model::Contract& c, std::optional<int64_t> expected) {
  pqxx::row r =
      ctx_.txn().exec_prepared1(sql::kDiagnoseContract.name, c.id,
                                c.product.domain_id, c.product.product_id);
  return DiagnoseWrite(
      r, ContractPhrase(c.id), expected,
      {{3, ProductPhrase(c.product), /*insert_only=*/true}},
      [&]() -> absl::Status {
        model::ProductKey stored{r[1].as<std::string>(),
                                 r[2].as<std::string>()};
        if (stored == c.product) return absl::OkStatus();
        return absl::FailedPreconditionError(
            absl::StrCat("the data product of ", ContractPhrase(c.id),
                         " is immutable: it belongs to ", ProductPhrase(stored),
                         ", not ", ProductPhrase(c.product)));
      });
}

bool PgContractRepository::ContractExists(absl::string_view id) {
  return ctx_.txn()
      .exec_prepared1(sql::kContractExists.name, std::string(id))[0]
      .as<bool>();
}

}  // namespace meshplane::store::pg
