-- What IMAP needs beyond delivery: per-mailbox HIGHESTMODSEQ (CONDSTORE), the first UID that is
-- still \Recent, and subscriptions (which may name mailboxes that do not exist, RFC 3501 6.3.6).
ALTER TABLE mailboxes ADD COLUMN highest_modseq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mailboxes ADD COLUMN recent_uid INTEGER NOT NULL DEFAULT 1;

CREATE TABLE subscriptions (
    account_id  INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    PRIMARY KEY (account_id, name)
) WITHOUT ROWID;
