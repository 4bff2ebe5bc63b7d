-- A storage limit per account in bytes (RFC 9208 STORAGE); 0 means unlimited.
ALTER TABLE accounts ADD COLUMN quota_bytes INTEGER NOT NULL DEFAULT 0;
