// InMemoryContracts: data contracts and their published versions.
#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/memstore/repositories.h"

#include "meshplane/common/status_macros.h"
#include "meshplane/model/contract.h"
#include "meshplane/model/resource_name.h"

namespace meshplane::testing::memstore_internal {

namespace {

std::string ContractVersionNameOf(const VersionMapKey& k) {
  return model::ContractVersionName(k.first, k.second);
}

// Semver precedence, as the Postgres store orders versions (see
// model::PrereleaseOrderKey); the version text breaks ties.
bool VersionBefore(const model::ContractVersion& a,
                   const model::ContractVersion& b) {
  return std::make_tuple(a.major, a.minor, a.patch,
                         model::PrereleaseOrderKey(a.prerelease), a.version) <
         std::make_tuple(b.major, b.minor, b.patch,
                         model::PrereleaseOrderKey(b.prerelease), b.version);
}

void PutContract(TxnState& txn, const model::Contract& contract) {
  model::Contract c = contract;
  c.create_time = Trunc(c.create_time);
  c.update_time = Trunc(c.update_time);
  PutRow(txn, txn.contracts, c.id, c, ContractRowKey(c.id), kContractsTable);
}

absl::Status CheckLimit(const store::PageRequest& page) {
  if (page.limit < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("page limit must be at least 1, got ", page.limit));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<model::Contract> InMemoryContracts::GetContract(
    absl::string_view id) {
  return GetRow(txn_, txn_.contracts, std::string(id), ContractRowKey(id),
                model::ContractName(id));
}

absl::Status InMemoryContracts::InsertContract(
    const model::Contract& contract) {
  MP_RETURN_IF_ERROR(CheckInsert(txn_, txn_.contracts, contract.id,
                                 ContractRowKey(contract.id),
                                 model::ContractName(contract.id)));
  txn_.Read(ProductRowKey(contract.product));
  if (!txn_.products.Find(contract.product)) {
    return absl::NotFoundError(
        absl::StrCat(model::ProductName(contract.product), " of ",
                     model::ContractName(contract.id), " not found"));
  }
  PutContract(txn_, contract);
  return absl::OkStatus();
}

absl::Status InMemoryContracts::UpdateContract(const model::Contract& contract,
                                               int64_t expected_revision) {
  MP_ASSIGN_OR_RETURN(
      const model::Contract* cur,
      CheckUpdate(txn_, txn_.contracts, contract.id,
                  ContractRowKey(contract.id), model::ContractName(contract.id),
                  expected_revision));
  if (!(cur->product == contract.product)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the data product of ", model::ContractName(contract.id),
        " is immutable: it belongs to ", model::ProductName(cur->product)));
  }
  PutContract(txn_, contract);
  return absl::OkStatus();
}

absl::StatusOr<store::Page<model::Contract>> InMemoryContracts::ListContracts(
    const store::ContractFilter& f, const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(txn_.Check());
  MP_RETURN_IF_ERROR(CheckLimit(page));
  return ListRows(
      txn_, txn_.contracts, kContractsTable, page,
      [&](const std::string&, const model::Contract& c) {
        if (f.product && !(c.product == *f.product)) return false;
        if (!f.domain_id.empty() && c.product.domain_id != f.domain_id) {
          return false;
        }
        return f.state.empty() || c.state == f.state;
      },
      IdCursor);
}

absl::Status InMemoryContracts::InsertContractVersion(
    const model::ContractVersion& version) {
  MP_RETURN_IF_ERROR(txn_.CheckWrite());
  VersionMapKey key{version.contract_id, version.version};
  txn_.Read(ContractRowKey(version.contract_id));
  if (!txn_.contracts.Find(version.contract_id)) {
    return absl::NotFoundError(
        absl::StrCat(model::ContractName(version.contract_id), " of ",
                     ContractVersionNameOf(key), " not found"));
  }
  txn_.Read(VersionRowKey(key));
  if (txn_.versions.Find(key)) {
    return absl::AlreadyExistsError(
        absl::StrCat(ContractVersionNameOf(key),
                     " already exists; published versions are immutable"));
  }
  model::ContractVersion v = version;
  v.create_time = Trunc(v.create_time);
  PutRow(txn_, txn_.versions, key, v, VersionRowKey(key),
         kContractVersionsTable);
  return absl::OkStatus();
}

absl::StatusOr<model::ContractVersion> InMemoryContracts::GetContractVersion(
    absl::string_view contract_id, absl::string_view version) {
  MP_RETURN_IF_ERROR(txn_.Check());
  VersionMapKey key{std::string(contract_id), std::string(version)};
  txn_.Read(VersionRowKey(key));
  const model::ContractVersion* v = txn_.versions.Find(key);
  if (v) return *v;
  MP_RETURN_IF_ERROR(GetContract(contract_id).status());
  return absl::NotFoundError(
      absl::StrCat(ContractVersionNameOf(key), " not found"));
}

absl::StatusOr<store::Page<model::ContractVersion>>
InMemoryContracts::ListContractVersions(absl::string_view contract_id,
                                        const store::PageRequest& page) {
  MP_RETURN_IF_ERROR(CheckLimit(page));
  MP_ASSIGN_OR_RETURN(std::vector<model::ContractVersion> all,
                      AllContractVersions(contract_id));
  std::reverse(all.begin(), all.end());
  // As the Postgres store: the cursor is the last version's text; one
  // the contract does not have gives an empty page.
  size_t i = 0;
  if (!page.after.empty()) {
    while (i < all.size() && all[i].version != page.after) ++i;
    ++i;
  }
  return PageFrom(
      all, i, page.limit,
      [](const model::ContractVersion& v) -> const model::ContractVersion& {
        return v;
      },
      [](const model::ContractVersion& last) { return last.version; });
}

absl::StatusOr<std::vector<model::ContractVersion>>
InMemoryContracts::AllContractVersions(absl::string_view contract_id) {
  MP_RETURN_IF_ERROR(GetContract(contract_id).status());
  txn_.Read(kContractVersionsTable);
  std::vector<model::ContractVersion> out;
  for (const auto& [k, v] : txn_.versions.Merged()) {
    if (k.first == contract_id) out.push_back(v);
  }
  std::sort(out.begin(), out.end(), VersionBefore);
  return out;
}

absl::StatusOr<std::vector<store::ContractPortReader>>
InMemoryContracts::ContractReaders(absl::string_view contract_id) {
  MP_RETURN_IF_ERROR(txn_.Check());
  txn_.Read(kProductsTable);
  auto all = txn_.products.Merged();
  std::vector<store::ContractPortReader> out;
  for (const auto& [k, p] : all) {  // ordered by (domain, product)
    std::vector<model::OutputPort> ports = p.output_ports;
    std::sort(ports.begin(), ports.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    for (const auto& op : ports) {
      if (op.contract_id.empty() || op.contract_id != contract_id) continue;
      store::ContractPortReader base;
      base.port = {k.domain_id, k.product_id, op.id};
      base.port_owner_team_id = p.owner_team_id;
      std::vector<store::ContractPortReader> readers;
      for (const auto& [rk, rp] : all) {
        for (const auto& ip : rp.input_ports) {
          if (!(ip.source == base.port)) continue;
          store::ContractPortReader r = base;
          r.reader = rk;
          r.reader_input_port_id = ip.id;
          r.reader_owner_team_id = rp.owner_team_id;
          readers.push_back(std::move(r));
        }
      }
      std::sort(readers.begin(), readers.end(),
                [](const auto& a, const auto& b) {
                  if (!(*a.reader == *b.reader)) return *a.reader < *b.reader;
                  return a.reader_input_port_id < b.reader_input_port_id;
                });
      if (readers.empty()) {
        out.push_back(std::move(base));
      } else {
        for (auto& r : readers) out.push_back(std::move(r));
      }
    }
  }
  return out;
}

}  // namespace meshplane::testing::memstore_internal
