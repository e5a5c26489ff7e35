-- Meshplane schema, version 3: data contracts and their published versions.
-- Conventions as in 0001_init.sql (ids text COLLATE "C", times timestamptz,
-- a revision per resource row).

-- A contract is owned by one data product. Deleting a product that still
-- owns contracts is refused (ON DELETE RESTRICT; DeleteDataProduct checks
-- first to name a contract): consumers rely on a contract, so it must not
-- vanish as a side effect of a product delete.
CREATE TABLE contracts (
  -- The ODCS document id (see model::IsValidContractId).
  id                   text COLLATE "C" PRIMARY KEY,
  uid                  text NOT NULL,
  domain_id            text COLLATE "C" NOT NULL,
  product_id           text COLLATE "C" NOT NULL,
  display_name         text NOT NULL DEFAULT '',
  description          text NOT NULL DEFAULT '',
  compatibility_mode   text NOT NULL
                       CHECK (compatibility_mode IN ('NONE', 'BACKWARD',
                         'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE',
                         'FULL', 'FULL_TRANSITIVE')),
  state                text NOT NULL CHECK (state IN ('ACTIVE', 'DEPRECATED')),
  deprecation_message  text NOT NULL DEFAULT '',
  latest_version       text NOT NULL DEFAULT '',
  version_count        bigint NOT NULL DEFAULT 0,
  labels               jsonb NOT NULL DEFAULT '{}'::jsonb,
  create_time          timestamptz NOT NULL,
  update_time          timestamptz NOT NULL,
  revision             bigint NOT NULL,
  CONSTRAINT contracts_product_fk FOREIGN KEY (domain_id, product_id)
    REFERENCES data_products (domain_id, id) ON DELETE RESTRICT
);
-- ListContracts by product or domain (in id order), and DeleteDataProduct's
-- check for contracts that still reference the product.
CREATE INDEX contracts_product_idx ON contracts (domain_id, product_id, id);

-- One published version. Versions are immutable and go with their contract.
--
-- Order (newest first) is semver precedence (semver.org section 11):
-- major, minor, patch descending, then prerelease_order descending.
-- prerelease_order is model::PrereleaseOrderKey(prerelease), a key whose
-- bytewise (COLLATE "C") order is the pre-release precedence: a release
-- ("~") ranks above all of its pre-releases; identifiers compare one by one,
-- numeric ones numerically and below alphanumeric ones, which compare in
-- ASCII order; more identifiers rank higher when the leading ones are
-- equal. Versions equal in precedence (differing only in build metadata)
-- are ordered by the version text.
CREATE TABLE contract_versions (
  contract_id       text COLLATE "C" NOT NULL
                    CONSTRAINT contract_versions_contract_fk
                    REFERENCES contracts (id) ON DELETE CASCADE,
  version           text COLLATE "C" NOT NULL,
  major             bigint NOT NULL CHECK (major >= 0),
  minor             bigint NOT NULL CHECK (minor >= 0),
  patch             bigint NOT NULL CHECK (patch >= 0),
  prerelease        text COLLATE "C" NOT NULL DEFAULT '',
  prerelease_order  text COLLATE "C" NOT NULL,
  status            text NOT NULL DEFAULT '',
  original_yaml     text NOT NULL,
  -- text, not jsonb: the normalised document and the report are kept byte
  -- for byte (content_hash is the SHA-256 of exactly these bytes).
  normalized_json   text NOT NULL,
  content_hash      text NOT NULL,
  published_by      text NOT NULL DEFAULT '',
  create_time       timestamptz NOT NULL,
  report_json       text NOT NULL DEFAULT '',
  CONSTRAINT contract_versions_pk PRIMARY KEY (contract_id, version)
);
-- ListContractVersions (newest first, keyset paging) and
-- AllContractVersions (oldest first) by semver precedence.
CREATE INDEX contract_versions_precedence_idx ON contract_versions
  (contract_id, major, minor, patch, prerelease_order, version);
