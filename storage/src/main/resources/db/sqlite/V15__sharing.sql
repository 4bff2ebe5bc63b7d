-- Sharing (RFC 4314): each mailbox's access control list, keyed by its owner's account; groups an
-- administrator defines; which mailboxes keep one \Seen for everybody; and \Seen per reader for the
-- others.
CREATE TABLE mailbox_acl (
    account_id  INTEGER NOT NULL,   -- the owner
    mailbox_id  INTEGER NOT NULL,
    identifier  TEXT    NOT NULL,   -- an address, anyone, authenticated or $group; "-" first for negative rights
    rights      TEXT    NOT NULL,
    PRIMARY KEY (account_id, mailbox_id, identifier)
);
CREATE INDEX mailbox_acl_by_identifier ON mailbox_acl (identifier);

CREATE TABLE access_groups (
    name        TEXT    PRIMARY KEY
);

CREATE TABLE group_members (
    group_name  TEXT    NOT NULL,
    member_id   INTEGER NOT NULL,
    PRIMARY KEY (group_name, member_id)
);

CREATE TABLE shared_seen_mailboxes (
    account_id  INTEGER NOT NULL,
    mailbox_id  INTEGER NOT NULL,
    PRIMARY KEY (account_id, mailbox_id)
);

CREATE TABLE seen_by_reader (
    account_id  INTEGER NOT NULL,   -- the owner
    mailbox_id  INTEGER NOT NULL,
    reader_id   INTEGER NOT NULL,
    uid         INTEGER NOT NULL,
    PRIMARY KEY (account_id, mailbox_id, reader_id, uid)
);
CREATE INDEX seen_by_reader_reader ON seen_by_reader (reader_id);
