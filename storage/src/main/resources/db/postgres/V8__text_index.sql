-- SEARCH's full-text index (issue 16), as db/sqlite/V14 but with pg_trgm: the folded text (lower-cased
-- as SEARCH compares) of each blob, one column per SEARCH key, each with a trigram GIN index that
-- serves LIKE '%needle%'; PostgreSQL rechecks LIKE on the stored text, so answers are exact.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE text_blobs (
    blob_id    TEXT    PRIMARY KEY,
    subject    TEXT    NOT NULL,
    from_addr  TEXT    NOT NULL,
    to_addr    TEXT    NOT NULL,
    cc_addr    TEXT    NOT NULL,
    bcc_addr   TEXT    NOT NULL,
    header     TEXT    NOT NULL,
    body       TEXT    NOT NULL
);
CREATE INDEX text_subject ON text_blobs USING gin (subject gin_trgm_ops);
CREATE INDEX text_from ON text_blobs USING gin (from_addr gin_trgm_ops);
CREATE INDEX text_to ON text_blobs USING gin (to_addr gin_trgm_ops);
CREATE INDEX text_cc ON text_blobs USING gin (cc_addr gin_trgm_ops);
CREATE INDEX text_bcc ON text_blobs USING gin (bcc_addr gin_trgm_ops);
CREATE INDEX text_header ON text_blobs USING gin (header gin_trgm_ops);
CREATE INDEX text_body ON text_blobs USING gin (body gin_trgm_ops);

-- Blobs indexed only in part (body cut at the limit, or a character replaced).
CREATE TABLE text_partial (
    blob_id TEXT PRIMARY KEY
);

-- Blobs not indexed yet: every message stored before this migration, indexed in the background.
CREATE TABLE text_backlog (
    blob_id TEXT PRIMARY KEY
);
INSERT INTO text_backlog (blob_id) SELECT DISTINCT blob_id FROM messages;
