-- Meshplane schema, version 9: the transport of each audited call. The same
-- core call runs for gRPC, REST and MCP (an agent's tool call); the audit
-- log says which one a change came in on. Conventions as in 0001_init.sql.

-- "grpc", "http" or "mcp"; '' for records written before this version and
-- for work no call started (retention, the server's own jobs).
ALTER TABLE audit_log ADD COLUMN transport text NOT NULL DEFAULT '';
