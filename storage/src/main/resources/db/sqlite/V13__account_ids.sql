-- Account ids are never handed out twice (issue 15). Without AUTOINCREMENT SQLite gives a new row
-- the highest id plus one, so deleting the newest account made its id the next one's, and the new
-- account inherited whatever rows of the old one a delete had left (a subscribed folder in LSUB).
-- SQLite cannot add AUTOINCREMENT to a column: the table is made again with it, rows and ids kept.

-- Rows left behind by earlier deletes go first; their message bytes become candidates for collection.
INSERT INTO blob_orphans (blob_id, since)
    SELECT DISTINCT blob_id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    FROM messages WHERE account_id NOT IN (SELECT id FROM accounts)
    ON CONFLICT DO NOTHING;
DELETE FROM messages        WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM changes         WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM mailboxes       WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM subscriptions   WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM delivery_keys   WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM import_journal  WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM sieve_scripts   WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM sieve_responses WHERE account_id NOT IN (SELECT id FROM accounts);

CREATE TABLE accounts_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    username         TEXT    NOT NULL COLLATE NOCASE,
    domain           TEXT    NOT NULL COLLATE NOCASE REFERENCES domains (name),
    password_hash    TEXT    NOT NULL,
    highest_modseq   INTEGER NOT NULL DEFAULT 0,  -- head of this account's change log
    next_mailbox_id  INTEGER NOT NULL DEFAULT 1,
    created_at       INTEGER NOT NULL,
    quota_bytes      INTEGER NOT NULL DEFAULT 0,
    scram            TEXT    NOT NULL DEFAULT '',
    admin            INTEGER NOT NULL DEFAULT 0,
    UNIQUE (username, domain)
);
-- Explicit ids also move sqlite_sequence up to the highest one.
INSERT INTO accounts_new (id, username, domain, password_hash, highest_modseq, next_mailbox_id, created_at, quota_bytes, scram, admin)
    SELECT id, username, domain, password_hash, highest_modseq, next_mailbox_id, created_at, quota_bytes, scram, admin FROM accounts;

-- Dropping the old table deletes its rows first, and with foreign keys on (they cannot be turned
-- off inside the migration's transaction) that cascades to account_routes: keep those aside.
CREATE TEMP TABLE saved_account_routes AS SELECT account_id, store FROM account_routes;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
INSERT INTO account_routes (account_id, store) SELECT account_id, store FROM saved_account_routes;
DROP TABLE saved_account_routes;
