// The SQL of data contracts and their versions (see sql.h for the conventions).
#ifndef MESHPLANE_STORE_POSTGRES_CONTRACTS_SQL_H_
#define MESHPLANE_STORE_POSTGRES_CONTRACTS_SQL_H_

#include "store/postgres/sql.h"

namespace meshplane::store::pg::sql {

// -------------------------------------------------------------- contracts

#define MP_CONTRACT_COLUMNS                                                 \
  "c.id, c.uid, c.domain_id, c.product_id, c.display_name, c.description, " \
  "c.compatibility_mode, c.state, c.deprecation_message, "                  \
  "c.latest_version, c.version_count, c.labels::text, "                     \
  "mp_us(c.create_time), mp_us(c.update_time), c.revision"

#define MP_CONTRACT_VERSION_COLUMNS                                     \
  "v.contract_id, v.version, v.major, v.minor, v.patch, v.prerelease, " \
  "v.status, v.original_yaml, v.normalized_json, v.content_hash, "      \
  "v.published_by, mp_us(v.create_time), v.report_json"

// Semver precedence, newest first (see migrations/0003_contracts.sql).
#define MP_VERSIONS_NEWEST_FIRST                         \
  " ORDER BY v.major DESC, v.minor DESC, v.patch DESC, " \
  "v.prerelease_order DESC, v.version DESC"

inline constexpr Statement kGetContract = {"get_contract",
                                           "SELECT " MP_CONTRACT_COLUMNS
                                           " FROM contracts c WHERE c.id = $1"};

// Inserts unless the id is taken or the product is missing (no row
// returned); kDiagnoseContract then says which.
inline constexpr Statement kInsertContract = {
    "insert_contract",
    "INSERT INTO contracts (id, uid, domain_id, product_id, display_name, "
    "  description, compatibility_mode, state, deprecation_message, "
    "  latest_version, version_count, labels, create_time, update_time, "
    "  revision) "
    "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::bigint, "
    "  $12::jsonb, mp_ts($13), mp_ts($14), $15::bigint "
    "WHERE EXISTS (SELECT 1 FROM data_products WHERE domain_id = $3 "
    "              AND id = $4) "
    "ON CONFLICT (id) DO NOTHING RETURNING 1"};

// $1 id, $2/$3 product -> revision or NULL, stored domain_id, stored
// product_id, the product exists.
inline constexpr Statement kDiagnoseContract = {
    "diagnose_contract",
    "SELECT c.revision, c.domain_id, c.product_id, "
    "  EXISTS (SELECT 1 FROM data_products WHERE domain_id = $2 AND id = $3) "
    "FROM (SELECT 1) one LEFT JOIN contracts c ON c.id = $1"};

// The product is immutable: a different one changes no row.
inline constexpr Statement kUpdateContract = {
    "update_contract",
    "UPDATE contracts SET uid = $2, display_name = $5, description = $6, "
    "  compatibility_mode = $7, state = $8, deprecation_message = $9, "
    "  latest_version = $10, version_count = $11::bigint, "
    "  labels = $12::jsonb, create_time = mp_ts($13), "
    "  update_time = mp_ts($14), revision = $15::bigint "
    "WHERE id = $1 AND domain_id = $3 AND product_id = $4 "
    "  AND revision = $16::bigint "
    "RETURNING 1"};

// Unnamed: $1/$2 product ('' = any), $3 domain ('' = any), $4 state
// ('' = any), $5 cursor (last id), $6 limit.
inline constexpr const char* kListContracts =
    "SELECT " MP_CONTRACT_COLUMNS
    " FROM contracts c "
    "WHERE ($1::text = '' OR (c.domain_id = $1::text "
    "                         AND c.product_id = $2::text)) "
    "  AND ($3::text = '' OR c.domain_id = $3::text) "
    "  AND ($4::text = '' OR c.state = $4::text) "
    "  AND c.id > $5::text "
    "ORDER BY c.id LIMIT $6::integer";

inline constexpr Statement kContractExists = {
    "contract_exists", "SELECT EXISTS (SELECT 1 FROM contracts WHERE id = $1)"};

// Inserts unless the version exists or the contract is missing (no row
// returned). $7 is model::PrereleaseOrderKey($6).
inline constexpr Statement kInsertContractVersion = {
    "insert_contract_version",
    "INSERT INTO contract_versions (contract_id, version, major, minor, "
    "  patch, prerelease, prerelease_order, status, original_yaml, "
    "  normalized_json, content_hash, published_by, create_time, "
    "  report_json) "
    "SELECT $1, $2, $3::bigint, $4::bigint, $5::bigint, $6, $7, $8, $9, "
    "  $10, $11, $12, mp_ts($13), $14 "
    "WHERE EXISTS (SELECT 1 FROM contracts WHERE id = $1) "
    "ON CONFLICT (contract_id, version) DO NOTHING RETURNING 1"};

inline constexpr Statement kGetContractVersion = {
    "get_contract_version",
    "SELECT " MP_CONTRACT_VERSION_COLUMNS
    " FROM contract_versions v WHERE v.contract_id = $1 AND v.version = $2"};

// $1 contract, $2 cursor (the version text of the last item, '' for the
// first page; a version the contract does not have gives no rows), $3
// limit.
inline constexpr Statement kListContractVersions = {
    "list_contract_versions",
    "SELECT " MP_CONTRACT_VERSION_COLUMNS
    " FROM contract_versions v "
    "WHERE v.contract_id = $1 "
    "  AND ($2::text = '' OR "
    "       (v.major, v.minor, v.patch, v.prerelease_order, v.version) < "
    "       (SELECT major, minor, patch, prerelease_order, version "
    "        FROM contract_versions WHERE contract_id = $1 AND version = "
    "$2)) " MP_VERSIONS_NEWEST_FIRST " LIMIT $3::integer"};

inline constexpr Statement kAllContractVersions = {
    "all_contract_versions",
    "SELECT " MP_CONTRACT_VERSION_COLUMNS
    " FROM contract_versions v WHERE v.contract_id = $1 "
    "ORDER BY v.major, v.minor, v.patch, v.prerelease_order, v.version"};

// $1 contract id -> port (domain, product, port, owner team), reader
// (domain, product, input port, owner team; NULL when nobody reads it).
inline constexpr Statement kContractReaders = {
    "contract_readers",
    "SELECT o.domain_id, o.product_id, o.port_id, op.owner_team_id, "
    "  i.domain_id, i.product_id, i.port_id, rp.owner_team_id "
    "FROM output_ports o "
    "JOIN data_products op ON op.domain_id = o.domain_id "
    "  AND op.id = o.product_id "
    "LEFT JOIN input_ports i ON i.source_domain_id = o.domain_id "
    "  AND i.source_product_id = o.product_id "
    "  AND i.source_port_id = o.port_id "
    "LEFT JOIN data_products rp ON rp.domain_id = i.domain_id "
    "  AND rp.id = i.product_id "
    "WHERE o.contract_id = $1 AND $1 <> '' "
    "ORDER BY o.domain_id, o.product_id, o.port_id, i.domain_id NULLS FIRST, "
    "  i.product_id, i.port_id"};

// The prepared statements above, registered on each new connection.
inline constexpr const Statement* kContractsPrepared[] = {
    &kGetContract,        &kInsertContract,       &kDiagnoseContract,
    &kUpdateContract,     &kContractExists,       &kInsertContractVersion,
    &kGetContractVersion, &kListContractVersions, &kAllContractVersions,
    &kContractReaders,
};

#undef MP_CONTRACT_COLUMNS
#undef MP_CONTRACT_VERSION_COLUMNS
#undef MP_VERSIONS_NEWEST_FIRST

}  // namespace meshplane::store::pg::sql

#endif  // MESHPLANE_STORE_POSTGRES_CONTRACTS_SQL_H_
