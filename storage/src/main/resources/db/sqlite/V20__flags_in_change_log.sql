-- The change log carries the flags an added or changed message had after that change, so that an
-- IMAP session brings the selected mailbox's flags up to date from the log alone, in the one read
-- it makes after every command, instead of reading the changed messages again.
-- Entries logged before this have the message's present flags (none where it is gone: its
-- expunge is logged after them), which is what a session reading them wants to end up with.
ALTER TABLE changes ADD COLUMN flags TEXT;
UPDATE changes SET flags = (SELECT m.flags FROM messages m
                            WHERE m.account_id = changes.account_id AND m.mailbox_id = changes.mailbox_id AND m.uid = changes.uid)
WHERE kind <> 'EXPUNGED';
-- The log is still read from its index alone.
DROP INDEX changes_by_mailbox;
CREATE INDEX changes_by_mailbox ON changes (account_id, mailbox_id, modseq, uid, kind, flags);
