-- Administration: which accounts may use the admin API and console, bearer tokens for scripts
-- (only their SHA-256 is kept), and the audit log of every change made through the API.
ALTER TABLE accounts ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;

CREATE TABLE admin_tokens (
    name        TEXT    PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,   -- epoch milliseconds
    actor   TEXT    NOT NULL,   -- an admin's address, or token:NAME
    action  TEXT    NOT NULL,   -- e.g. "POST /api/v1/accounts"
    detail  TEXT    NOT NULL
);
