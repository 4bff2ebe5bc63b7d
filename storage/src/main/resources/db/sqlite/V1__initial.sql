-- Mailroom's embedded schema. Every mail table is keyed by account first, so one account is one
-- key range (export, delete, move). The change log keeps expunges for CONDSTORE/QRESYNC.

CREATE TABLE domains (
    name TEXT PRIMARY KEY COLLATE NOCASE
) WITHOUT ROWID;

CREATE TABLE accounts (
    id               INTEGER PRIMARY KEY,
    username         TEXT    NOT NULL COLLATE NOCASE,
    domain           TEXT    NOT NULL COLLATE NOCASE REFERENCES domains (name),
    password_hash    TEXT    NOT NULL,
    highest_modseq   INTEGER NOT NULL DEFAULT 0,  -- head of this account's change log
    next_mailbox_id  INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    UNIQUE (username, domain)
);

CREATE TABLE mailboxes (
    account_id    INTEGER NOT NULL,
    id            INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    uid_validity  INTEGER NOT NULL,
    uid_next      INTEGER NOT NULL DEFAULT 1,
    special_use   TEXT,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
) WITHOUT ROWID;

CREATE TABLE messages (
    account_id     INTEGER NOT NULL,
    mailbox_id     INTEGER NOT NULL,
    uid            INTEGER NOT NULL,
    blob_id        TEXT    NOT NULL,
    size           INTEGER NOT NULL,
    internal_date  INTEGER NOT NULL,  -- epoch milliseconds
    flags          TEXT    NOT NULL DEFAULT '',  -- space-separated, e.g. "\Seen $Forwarded"
    modseq         INTEGER NOT NULL,
    structure      TEXT    NOT NULL,  -- ParsedMessage as JSON: envelope, MIME tree, offsets
    PRIMARY KEY (account_id, mailbox_id, uid)
);
CREATE INDEX messages_by_blob ON messages (blob_id);

CREATE TABLE changes (
    account_id  INTEGER NOT NULL,
    modseq      INTEGER NOT NULL,
    mailbox_id  INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('ADDED', 'FLAGS', 'EXPUNGED')),
    PRIMARY KEY (account_id, modseq, mailbox_id, uid)
) WITHOUT ROWID;

CREATE TABLE queue (
    id           INTEGER PRIMARY KEY,
    sender       TEXT    NOT NULL,
    blob_id      TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    lease_owner  TEXT,
    lease_until  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE queue_recipients (
    queue_id      INTEGER NOT NULL REFERENCES queue (id) ON DELETE CASCADE,
    recipient     TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'PENDING' CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL,
    last_error    TEXT,
    PRIMARY KEY (queue_id, recipient)
);
CREATE INDEX queue_due ON queue_recipients (state, next_attempt);
