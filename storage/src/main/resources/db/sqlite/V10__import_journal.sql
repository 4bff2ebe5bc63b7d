-- What imports have filed: one row per message taken from a source (a Maildir, an mbox, an IMAP
-- server), written in the transaction that files the message. A rerun skips what is here, and a
-- kill at any point leaves either the message and its row or neither, so nothing is filed twice.
-- item is the message's key in its source folder: the source's UID, a Maildir file's unique name,
-- or an mbox message's digest and position. Kept until the account is deleted (unlike the
-- delivery keys, which only outlive a queue entry's retries).
CREATE TABLE import_journal (
    account_id    INTEGER NOT NULL,
    source        TEXT    NOT NULL,  -- e.g. imaps://user@host:993, maildir:/path
    folder        TEXT    NOT NULL,  -- the folder's name in the source
    uid_validity  INTEGER NOT NULL,  -- the source folder's UIDVALIDITY, 0 where it has none
    item          TEXT    NOT NULL,
    mailbox_id    INTEGER NOT NULL,
    uid           INTEGER NOT NULL,
    PRIMARY KEY (account_id, source, folder, uid_validity, item)
) WITHOUT ROWID;
