-- Account ids are never handed out twice (issue 15): accounts.id draws from its sequence
-- (BIGSERIAL's accounts_id_seq), which never gives a number again, deletes or not. What a delete
-- used to leave behind goes here, and the sequence is moved past every id those rows carried, so
-- no new account can meet data of an old one.
SELECT setval('accounts_id_seq', GREATEST(
    (SELECT last_value FROM accounts_id_seq),
    (SELECT COALESCE(MAX(account_id), 1) FROM (
        SELECT account_id FROM mailboxes UNION ALL SELECT account_id FROM subscriptions
        UNION ALL SELECT account_id FROM delivery_keys UNION ALL SELECT account_id FROM import_journal
        UNION ALL SELECT account_id FROM sieve_scripts UNION ALL SELECT account_id FROM sieve_responses) AS keyed)));

INSERT INTO blob_orphans (blob_id, since)
    SELECT DISTINCT blob_id, (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT
    FROM messages WHERE account_id NOT IN (SELECT id FROM accounts)
    ON CONFLICT DO NOTHING;
DELETE FROM messages        WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM changes         WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM mailboxes       WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM subscriptions   WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM delivery_keys   WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM import_journal  WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM sieve_scripts   WHERE account_id NOT IN (SELECT id FROM accounts);
DELETE FROM sieve_responses WHERE account_id NOT IN (SELECT id FROM accounts);
