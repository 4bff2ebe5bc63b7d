-- Blobs that lost a reference (expunge, account deletion). The collector deletes those still
-- unreferenced after a grace period; deliveries check that their blob exists inside the same
-- serialised write, so a collection can never leave a message without its bytes.
CREATE TABLE blob_orphans (
    blob_id  TEXT    PRIMARY KEY,
    since    INTEGER NOT NULL  -- epoch milliseconds
) WITHOUT ROWID;
