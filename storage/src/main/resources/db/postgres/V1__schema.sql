-- Mailroom's cluster schema: the same tables as the embedded SQLite schema (db/sqlite, V1-V7), for
-- PostgreSQL. Integers are BIGINT, times are epoch milliseconds, and names compared without regard to
-- case are citext. Every mail table is keyed by account first, so one account is one key range.
CREATE EXTENSION IF NOT EXISTS citext;

CREATE TABLE domains (
    name CITEXT PRIMARY KEY
);

CREATE TABLE accounts (
    id               BIGSERIAL PRIMARY KEY,
    username         CITEXT NOT NULL,
    domain           CITEXT NOT NULL REFERENCES domains (name),
    password_hash    TEXT   NOT NULL,
    highest_modseq   BIGINT NOT NULL DEFAULT 0,  -- head of this account's change log
    next_mailbox_id  BIGINT NOT NULL DEFAULT 1,
    created_at       BIGINT NOT NULL,
    quota_bytes      BIGINT NOT NULL DEFAULT 0,
    scram            TEXT   NOT NULL DEFAULT '',
    UNIQUE (username, domain)
);

CREATE TABLE mailboxes (
    account_id      BIGINT NOT NULL,
    id              BIGINT NOT NULL,
    name            TEXT   NOT NULL,
    uid_validity    BIGINT NOT NULL,
    uid_next        BIGINT NOT NULL DEFAULT 1,
    special_use     TEXT,
    highest_modseq  BIGINT NOT NULL DEFAULT 0,
    recent_uid      BIGINT NOT NULL DEFAULT 1,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE messages (
    account_id     BIGINT NOT NULL,
    mailbox_id     BIGINT NOT NULL,
    uid            BIGINT NOT NULL,
    blob_id        TEXT   NOT NULL,
    size           BIGINT NOT NULL,
    internal_date  BIGINT NOT NULL,
    flags          TEXT   NOT NULL DEFAULT '',  -- space-separated, e.g. "\Seen $Forwarded"
    modseq         BIGINT NOT NULL,
    structure      TEXT   NOT NULL,             -- ParsedMessage as JSON: envelope, MIME tree, offsets
    PRIMARY KEY (account_id, mailbox_id, uid)
);
CREATE INDEX messages_by_blob ON messages (blob_id);
CREATE INDEX messages_listing ON messages (account_id, mailbox_id, uid) INCLUDE (flags, modseq);

CREATE TABLE changes (
    account_id  BIGINT NOT NULL,
    modseq      BIGINT NOT NULL,
    mailbox_id  BIGINT NOT NULL,
    uid         BIGINT NOT NULL,
    kind        TEXT   NOT NULL CHECK (kind IN ('ADDED', 'FLAGS', 'EXPUNGED')),
    PRIMARY KEY (account_id, modseq, mailbox_id, uid)
);

CREATE TABLE subscriptions (
    account_id  BIGINT NOT NULL,
    name        TEXT   NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE delivery_keys (
    account_id  BIGINT NOT NULL,
    key         TEXT   NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, key)
);
CREATE INDEX delivery_keys_age ON delivery_keys (created_at);

CREATE TABLE aliases (
    domain      CITEXT NOT NULL REFERENCES domains (name),
    local_part  CITEXT NOT NULL,
    targets     TEXT   NOT NULL,
    PRIMARY KEY (domain, local_part)
);

CREATE TABLE dkim_keys (
    domain       CITEXT PRIMARY KEY,
    selector     TEXT   NOT NULL,
    private_key  TEXT   NOT NULL,  -- PKCS#8, base64
    created_at   BIGINT NOT NULL
);

-- Message bytes, content-addressed by SHA-256. EXTERNAL storage keeps them uncompressed, so that a
-- byte range (a MIME part, a partial FETCH) is read without reading the whole value.
CREATE TABLE blobs (
    id    TEXT  PRIMARY KEY,
    data  BYTEA NOT NULL
);
ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL;

CREATE TABLE blob_orphans (
    blob_id  TEXT   PRIMARY KEY,
    since    BIGINT NOT NULL
);

CREATE TABLE queue (
    id           BIGSERIAL PRIMARY KEY,
    sender       TEXT   NOT NULL,
    blob_id      TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    lease_owner  TEXT,
    lease_until  BIGINT NOT NULL DEFAULT 0,
    token        TEXT   NOT NULL DEFAULT '',  -- unique per entry, for idempotent filing
    envid        TEXT,                        -- RFC 3461 ENVID
    ret          TEXT                         -- RFC 3461 RET: FULL or HDRS
);
CREATE INDEX queue_blob ON queue (blob_id);

CREATE TABLE queue_recipients (
    queue_id      BIGINT NOT NULL REFERENCES queue (id) ON DELETE CASCADE,
    recipient     TEXT   NOT NULL,
    state         TEXT   NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  BIGINT NOT NULL,
    last_error    TEXT,
    notify        TEXT,   -- RFC 3461 NOTIFY, comma separated
    orcpt         TEXT,   -- RFC 3461 ORCPT, or the address before alias expansion
    position      INTEGER NOT NULL DEFAULT 0,  -- order of RCPT, which reports follow
    PRIMARY KEY (queue_id, recipient)
);
CREATE INDEX queue_due ON queue_recipients (state, next_attempt);
