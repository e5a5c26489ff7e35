-- Meshplane schema, version 10: browser sessions of the web catalog
-- (docs/web.md#sessions). Conventions as in 0001_init.sql.
--
-- The session id lives only in the browser's HttpOnly cookie: a row holds
-- its SHA-256, and the bearer token the session was signed in with sealed
-- (AES-256-GCM) under a key derived from the id, so that neither the table
-- nor a backup of it yields a usable session or token. Each call of a
-- session is authenticated with that token, exactly as a call that sends
-- it: revoking the token ends the session.
CREATE TABLE web_sessions (
  id_hash      text COLLATE "C" PRIMARY KEY,
  principal    text COLLATE "C" NOT NULL,
  credential   text NOT NULL,  -- base64 of nonce, ciphertext and tag
  create_time  timestamptz NOT NULL,
  expire_time  timestamptz NOT NULL
);
-- Sweeping the expired ones.
CREATE INDEX web_sessions_expire_idx ON web_sessions (expire_time);
