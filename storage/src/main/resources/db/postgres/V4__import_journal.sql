-- What imports have filed (as db/sqlite V10): one row per message taken from a source, written in
-- the transaction that files it, so a rerun or a resumed import never files a message twice.
CREATE TABLE import_journal (
    account_id    BIGINT NOT NULL,
    source        TEXT   NOT NULL,
    folder        TEXT   NOT NULL,
    uid_validity  BIGINT NOT NULL,
    item          TEXT   NOT NULL,
    mailbox_id    BIGINT NOT NULL,
    uid           BIGINT NOT NULL,
    PRIMARY KEY (account_id, source, folder, uid_validity, item)
);
