-- The selected mailbox's changes since a MODSEQ, read after every IMAP command: by the primary key
-- (account, MODSEQ, ...) that scanned every later change of the account, filtered by mailbox.
-- This index reads the mailbox's own changes only (as sqlite V18).
CREATE INDEX changes_by_mailbox ON changes (account_id, mailbox_id, modseq);
