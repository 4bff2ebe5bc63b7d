-- Recipients are reported in the order of RCPT. That order was SQLite's rowid; an explicit column
-- says it in SQL that PostgreSQL runs too.
ALTER TABLE queue_recipients ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE queue_recipients SET position = rowid;
