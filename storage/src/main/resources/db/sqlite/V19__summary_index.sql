-- A FETCH, STORE or EXPUNGE reads the summaries of the selected mailbox's messages (UID, blob,
-- size, date, flags, MODSEQ, thread), and STATUS sums sizes and counts flags. From the table each
-- such row is a look-up of a page full of parsed structures; with the summary's columns in an index
-- of their own the whole read is a walk along that index. (A reader's page cache is emptied by every
-- commit of another connection, so under IMAP load nearly every page a read touches is fetched
-- again: fewer pages per read is what makes a read cheaper.)
CREATE INDEX messages_summary ON messages (account_id, mailbox_id, uid, flags, modseq, size, internal_date, thread_id, blob_id);
-- The change log read after every command: with the kind in the index, no look-up in the table.
DROP INDEX changes_by_mailbox;
CREATE INDEX changes_by_mailbox ON changes (account_id, mailbox_id, modseq, uid, kind);
