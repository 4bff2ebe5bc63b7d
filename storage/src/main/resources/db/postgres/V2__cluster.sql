-- The cluster's directory: nodes as they last reported, routes of accounts to stores, and the
-- serial of the DNS zone that publishes them.
CREATE TABLE nodes (
    name          TEXT    PRIMARY KEY,
    roles         TEXT    NOT NULL,              -- comma separated
    address       TEXT    NOT NULL,              -- where other nodes and clients reach it
    heartbeat_at  BIGINT  NOT NULL,              -- epoch milliseconds
    draining      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE routes (
    route_key  TEXT PRIMARY KEY,                 -- "a".."z", or "0" for every other first character
    store      TEXT NOT NULL
);

CREATE TABLE account_routes (
    account_id  BIGINT  PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    store       TEXT    NOT NULL
);

CREATE TABLE zone (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    serial  BIGINT  NOT NULL
);
INSERT INTO zone (id, serial) VALUES (1, 1);
