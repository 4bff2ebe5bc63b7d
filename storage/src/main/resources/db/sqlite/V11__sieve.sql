-- Mail rules: each account's Sieve scripts (at most one active), and the automatic responses
-- (vacation replies) already sent, so one goes to a sender once per period across the cluster.
CREATE TABLE sieve_scripts (
    account_id  INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    active      INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, name)
);

CREATE TABLE sieve_responses (
    account_id  INTEGER NOT NULL,
    handle      TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    sent_at     INTEGER NOT NULL,   -- epoch milliseconds
    PRIMARY KEY (account_id, handle, recipient)
);
