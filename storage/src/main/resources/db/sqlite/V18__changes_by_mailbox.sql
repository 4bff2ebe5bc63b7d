-- After every command an IMAP session reads the selected mailbox's changes since it last looked.
-- The primary key (account, MODSEQ, ...) made that a scan of every later change of the whole
-- account, filtered by mailbox: with another folder selected while the INBOX takes mail, each
-- command read all the INBOX's deliveries since that folder last changed, more at every one.
-- This index reads the mailbox's own changes only, already in MODSEQ order.
CREATE INDEX changes_by_mailbox ON changes (account_id, mailbox_id, modseq);
