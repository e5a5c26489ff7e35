-- Meshplane schema, version 8: contracts created from now on default to the
-- FULL compatibility mode; contracts created before keep theirs.
--
-- Until this version a contract published without a mode got BACKWARD, which
-- lets a producer drop a property its consumers select. The server now gives
-- a new contract FULL (docs/contracts.md, "The default mode"). A contract's
-- mode is read from its row on every publish, and every row written before
-- this version names its mode (the column is NOT NULL and has no default:
-- the server always wrote the mode it applied, BACKWARD when none was
-- asked). So existing contracts keep BACKWARD without any data moving. This
-- file makes that a property of the schema: the column has no default, so a
-- later default (here or in the server) can never reach an existing row,
-- and the column says what its value means.
ALTER TABLE contracts ALTER COLUMN compatibility_mode DROP DEFAULT;

COMMENT ON COLUMN contracts.compatibility_mode IS
  'The mode the contract was published with, applied to every later '
  'version until a publish names another. Rows created before schema '
  'version 8 without a requested mode hold BACKWARD (the default then); '
  'new contracts get FULL unless the publisher names a mode.';
