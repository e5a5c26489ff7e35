-- Meshplane schema, version 2: governance policies, their full revision
-- history, and waivers. Conventions as in 0001_init.sql (ids text COLLATE
-- "C", times timestamptz, a revision per resource row).

-- A policy is global (domain_id = '') or belongs to one domain. Global
-- policies cannot reference a domain, so the domain foreign key is on a
-- generated column that is NULL for them.
--
-- Deleting a domain deletes its policies (ON DELETE CASCADE), and with them
-- their waivers: a domain's policies only govern that domain, so they have
-- nothing left to do once it is gone, and their history stays in
-- policy_revisions. (RESTRICT would make DeleteDomain refuse a domain that
-- still has policies, which its contract does not list.)
CREATE TABLE policies (
  domain_id           text COLLATE "C" NOT NULL DEFAULT '',
  id                  text COLLATE "C" NOT NULL,
  uid                 text NOT NULL,
  display_name        text NOT NULL DEFAULT '',
  description         text NOT NULL DEFAULT '',
  triggers            text[] COLLATE "C" NOT NULL DEFAULT '{}',
  condition           text NOT NULL DEFAULT '',
  effect              text NOT NULL,
  enforcement         text NOT NULL,
  message             text NOT NULL DEFAULT '',
  message_expression  text NOT NULL DEFAULT '',
  labels              jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- NULL: no owner (allowed for domain policies; core requires one for
  -- global policies).
  owner_team_id       text COLLATE "C"
                      CONSTRAINT policies_owner_fk REFERENCES teams (id) ON DELETE RESTRICT,
  waivable            boolean NOT NULL DEFAULT true,
  create_time         timestamptz NOT NULL,
  update_time         timestamptz NOT NULL,
  revision            bigint NOT NULL,
  scope_domain_id     text COLLATE "C" GENERATED ALWAYS AS
                        (NULLIF(domain_id, '')) STORED
                      CONSTRAINT policies_domain_fk REFERENCES domains (id) ON DELETE CASCADE,
  CONSTRAINT policies_pk PRIMARY KEY (domain_id, id)
);
-- The owner list filter, and DeleteTeam's check of what a team still owns.
CREATE INDEX policies_owner_idx ON policies (owner_team_id, domain_id, id);
-- The trigger list filter (triggers @> ARRAY[...]); see data_products_tags_idx
-- for fastupdate.
CREATE INDEX policies_triggers_idx ON policies USING gin (triggers)
  WITH (fastupdate = off);

-- Every revision of every policy, as written (create and each update). No
-- foreign key: the history outlives the policy. A policy deleted and then
-- created again under the same name starts again at its first revision, so
-- (domain_id, id, revision) is not unique; `sequence` orders the history.
CREATE TABLE policy_revisions (
  sequence     bigserial PRIMARY KEY,
  domain_id    text COLLATE "C" NOT NULL,
  id           text COLLATE "C" NOT NULL,
  revision     bigint NOT NULL,
  -- The policy as of this revision, in its model JSON form (the same
  -- document as the audit log's after image).
  document     jsonb NOT NULL,
  author       text COLLATE "C" NOT NULL DEFAULT '',
  create_time  timestamptz NOT NULL
);
-- ListPolicyRevisions: one policy's history, newest first.
CREATE INDEX policy_revisions_policy_idx
  ON policy_revisions (domain_id, id, sequence);

-- An exemption of one resource from one policy until expire_time.
CREATE TABLE waivers (
  policy_domain_id  text COLLATE "C" NOT NULL,
  policy_id         text COLLATE "C" NOT NULL,
  id                text COLLATE "C" NOT NULL,
  uid               text NOT NULL,
  resource          text COLLATE "C" NOT NULL,
  reason            text NOT NULL DEFAULT '',
  expire_time       timestamptz NOT NULL,
  created_by        text NOT NULL DEFAULT '',
  create_time       timestamptz NOT NULL,
  policy_revision   bigint NOT NULL,
  CONSTRAINT waivers_pk PRIMARY KEY (policy_domain_id, policy_id, id),
  CONSTRAINT waivers_policy_fk FOREIGN KEY (policy_domain_id, policy_id)
    REFERENCES policies (domain_id, id) ON DELETE CASCADE
);
-- The resource list filter.
CREATE INDEX waivers_resource_idx
  ON waivers (resource, policy_domain_id, policy_id, id);
