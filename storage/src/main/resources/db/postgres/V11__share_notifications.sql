-- JMAP sharing (RFC 9670 section 4): a note to an account whenever its rights on a mailbox of
-- another account change, kept until the account destroys it. changed_by_id is 0 for the
-- administrator (the command line or the admin API).
CREATE TABLE share_notifications (
    id                 BIGSERIAL PRIMARY KEY,
    account_id         BIGINT  NOT NULL,
    created_at         BIGINT  NOT NULL,
    changed_by_id      BIGINT  NOT NULL,
    changed_by_name    TEXT    NOT NULL,
    changed_by_email   TEXT,
    owner_id           BIGINT  NOT NULL,
    mailbox_id         BIGINT  NOT NULL,
    mailbox_name       TEXT    NOT NULL,
    old_rights         TEXT    NOT NULL,
    new_rights         TEXT    NOT NULL
);
CREATE INDEX share_notifications_by_account ON share_notifications (account_id, id);
