-- The sorter: DSN parameters in the queue, a token that makes local delivery idempotent, address
-- aliases, DKIM keys and SCRAM credentials.

ALTER TABLE queue ADD COLUMN token TEXT NOT NULL DEFAULT '';     -- unique per entry, for idempotent filing
ALTER TABLE queue ADD COLUMN envid TEXT;                          -- RFC 3461 ENVID
ALTER TABLE queue ADD COLUMN ret TEXT;                            -- RFC 3461 RET: FULL or HDRS
CREATE INDEX queue_blob ON queue (blob_id);  -- the blob collector asks whether the queue still needs a blob
ALTER TABLE queue_recipients ADD COLUMN notify TEXT;              -- RFC 3461 NOTIFY, comma separated
ALTER TABLE queue_recipients ADD COLUMN orcpt TEXT;               -- RFC 3461 ORCPT, or the address before alias expansion

-- Copies already filed for a queue entry's recipient: a sorter that dies between filing and
-- marking the recipient delivered files nothing twice when the entry is retried.
CREATE TABLE delivery_keys (
    account_id  INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE INDEX delivery_keys_age ON delivery_keys (created_at);

-- local_part '*' is the domain's catch-all; targets are addresses, comma separated.
CREATE TABLE aliases (
    domain      TEXT NOT NULL COLLATE NOCASE REFERENCES domains (name),
    local_part  TEXT NOT NULL COLLATE NOCASE,
    targets     TEXT NOT NULL,
    PRIMARY KEY (domain, local_part)
);

CREATE TABLE dkim_keys (
    domain       TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,
    selector     TEXT NOT NULL,
    private_key  TEXT NOT NULL,   -- PKCS#8, base64
    created_at   INTEGER NOT NULL
);

-- RFC 5802/7677 credentials: salt, iterations, StoredKey and ServerKey; empty until the password is next set or used.
ALTER TABLE accounts ADD COLUMN scram TEXT NOT NULL DEFAULT '';
