-- JMAP (issue 17). Threads: a message names its parents by Message-ID (In-Reply-To, References), so
-- each message keeps its own Message-ID and its thread, a number made from the (mailbox, UID) the
-- thread's first message was filed at (never reused, as neither is). Messages filed before this
-- migration each start a thread of their own, as they were shown before.
ALTER TABLE messages ADD COLUMN message_id TEXT;
ALTER TABLE messages ADD COLUMN thread_id INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET thread_id = mailbox_id * 4294967296 + uid,
                    message_id = NULLIF(trim(json_extract(structure, '$.envelope.messageId'), '<> '), '');
CREATE INDEX messages_by_thread ON messages (account_id, thread_id);
CREATE INDEX messages_by_message_id ON messages (account_id, message_id) WHERE message_id IS NOT NULL;

-- Email/query's common case, a mailbox newest first, read as a page of this index.
CREATE INDEX messages_by_arrival ON messages (account_id, mailbox_id, internal_date, uid);

-- The identities an account sends as (JMAP Identity/set). Id 0 is the account's own address; its
-- row exists only once the user changed its name or signatures.
CREATE TABLE identities (
    account_id      INTEGER NOT NULL,
    id              INTEGER NOT NULL,
    name            TEXT    NOT NULL DEFAULT '',
    email           TEXT    NOT NULL,
    reply_to        TEXT,                         -- JSON array of {name, email}, as JMAP has it
    bcc             TEXT,
    text_signature  TEXT    NOT NULL DEFAULT '',
    html_signature  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, id)
) WITHOUT ROWID;

-- Per account: the next identity id (ids are never reused) and a version that every change of its
-- identities raises (the JMAP state string).
CREATE TABLE identity_counters (
    account_id  INTEGER NOT NULL PRIMARY KEY,
    next_id     INTEGER NOT NULL DEFAULT 1,
    version     INTEGER NOT NULL DEFAULT 0
);
