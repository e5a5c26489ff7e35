-- Meshplane schema, version 4: find the output ports that promise a data
-- contract (the impact of a contract change: who reads those ports).
CREATE INDEX output_ports_contract_idx ON output_ports (contract_id)
  WHERE contract_id <> '';
