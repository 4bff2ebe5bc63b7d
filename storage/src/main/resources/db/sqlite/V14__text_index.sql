-- SEARCH's full-text index (issue 16). Keyed by blob: a message's text follows from its bytes, so the
-- copies of one delivery and COPY/MOVE share an entry, and answers are joined with the mailbox's
-- messages. The text is folded (lower-cased as SEARCH compares) before it is stored, so the trigram
-- tokenizer runs case-sensitively: a phrase of a needle's trigrams matches exactly the texts that
-- contain it. Contentless: the text is not stored a second time; contentless_delete (SQLite 3.43)
-- lets a collected blob's entry go.
CREATE TABLE text_blobs (
    id       INTEGER PRIMARY KEY,  -- the row id of the blob's entry in text_index
    blob_id  TEXT    NOT NULL UNIQUE
);

-- Blobs indexed only in part (body cut at the limit, or a character replaced): a miss there is
-- checked on the message. A table of its own, as SEARCH reads it whole at every text key.
CREATE TABLE text_partial (
    blob_id TEXT PRIMARY KEY
) WITHOUT ROWID;

CREATE VIRTUAL TABLE text_index USING fts5(
    subject, from_addr, to_addr, cc_addr, bcc_addr, header, body,
    content = '', contentless_delete = 1, tokenize = 'trigram case_sensitive 1');

-- Blobs whose text is not indexed yet: every message stored before this migration. The node
-- indexes them in the background; until then SEARCH checks those messages itself.
CREATE TABLE text_backlog (
    blob_id TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO text_backlog (blob_id) SELECT DISTINCT blob_id FROM messages;
