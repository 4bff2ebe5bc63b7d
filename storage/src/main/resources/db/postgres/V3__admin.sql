-- Administration: which accounts may use the admin API and console, bearer tokens for scripts
-- (only their SHA-256 is kept), and the audit log of every change made through the API.
ALTER TABLE accounts ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;

CREATE TABLE admin_tokens (
    name        TEXT    PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  BIGINT  NOT NULL
);

CREATE TABLE audit (
    id      BIGSERIAL PRIMARY KEY,
    at      BIGINT  NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    detail  TEXT    NOT NULL
);
