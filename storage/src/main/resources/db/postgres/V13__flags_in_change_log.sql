-- The change log carries the flags an added or changed message had after that change (as sqlite
-- V20): an IMAP session brings its flags up to date from the log alone. Entries logged before this
-- get the message's present flags, none where it is gone (its expunge is logged after them).
ALTER TABLE changes ADD COLUMN flags TEXT;
UPDATE changes c SET flags = m.flags FROM messages m
WHERE m.account_id = c.account_id AND m.mailbox_id = c.mailbox_id AND m.uid = c.uid AND c.kind <> 'EXPUNGED';
