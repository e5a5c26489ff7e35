-- Meshplane schema, version 6: service levels as data. Producers and
-- monitors report observations of an output port's declared objectives;
-- compliance over rolling windows (1 h, 24 h, 30 d) is computed from them
-- with aggregates, and breaches keep the history of when an objective was
-- not met. Conventions as in 0001_init.sql.
--
-- Both tables go with their output port (ON DELETE CASCADE): a port
-- dropped from its product, or deleted with it, takes its observations and
-- breaches along, so a port created again under the same name starts
-- clean. The audit log keeps what was reported.

-- One measurement. `value` is in the objective's unit (model::Objective):
-- staleness or latency in microseconds, 1/0 for an availability probe, a
-- percent for completeness. Judged against the port's objectives as they
-- are when compliance is computed, not as they were when reported.
--
-- Bounded: observations older than the longest window (30 d) plus a day's
-- margin are deleted by the transaction that reports newer ones for the
-- same port and objective (kPruneObservations), so the table holds about
-- 31 days of each reported series and never needs a separate job.
CREATE TABLE slo_observations (
  sequence      bigserial PRIMARY KEY,
  domain_id     text COLLATE "C" NOT NULL,
  product_id    text COLLATE "C" NOT NULL,
  port_id       text COLLATE "C" NOT NULL,
  objective     text NOT NULL
                CHECK (objective IN ('FRESHNESS', 'AVAILABILITY',
                                     'COMPLETENESS', 'LATENCY')),
  observe_time  timestamptz NOT NULL,
  value         double precision NOT NULL,
  CONSTRAINT slo_observations_port_fk
    FOREIGN KEY (domain_id, product_id, port_id)
    REFERENCES output_ports (domain_id, product_id, port_id) ON DELETE CASCADE
);
-- Every window query, the prune and the newest observation are one range
-- of this index; it also serves the cascade when a port goes. `value` is
-- included so that the window counts are index-only scans: at one
-- observation a minute (43,200 in 30 d), the three windows of a series
-- count in ~8 ms warm instead of ~25 ms with a heap fetch per row.
CREATE INDEX slo_observations_window_idx ON slo_observations
  (domain_id, product_id, port_id, objective, observe_time) INCLUDE (value);

-- A period during which an objective was not met; open while end_time is
-- NULL. At most one open breach per port and objective.
CREATE TABLE slo_breaches (
  id            text COLLATE "C" PRIMARY KEY,
  domain_id     text COLLATE "C" NOT NULL,
  product_id    text COLLATE "C" NOT NULL,
  port_id       text COLLATE "C" NOT NULL,
  objective     text NOT NULL
                CHECK (objective IN ('FRESHNESS', 'AVAILABILITY',
                                     'COMPLETENESS', 'LATENCY')),
  start_time    timestamptz NOT NULL,
  end_time      timestamptz,
  detail        text NOT NULL DEFAULT '',
  CONSTRAINT slo_breaches_port_fk
    FOREIGN KEY (domain_id, product_id, port_id)
    REFERENCES output_ports (domain_id, product_id, port_id) ON DELETE CASCADE
);
-- ListBreaches of a product or a port, newest first; also the cascade.
CREATE INDEX slo_breaches_port_idx ON slo_breaches
  (domain_id, product_id, port_id, start_time DESC, id DESC);
CREATE INDEX slo_breaches_product_idx ON slo_breaches
  (domain_id, product_id, start_time DESC, id DESC);
CREATE UNIQUE INDEX slo_breaches_one_open_idx ON slo_breaches
  (domain_id, product_id, port_id, objective) WHERE end_time IS NULL;
