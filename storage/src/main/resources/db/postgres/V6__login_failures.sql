-- Login throttling (mailroom.core.security.LoginGuard): failed logins per client network (an IPv4
-- address, or an IPv6 /64 as "2001:db8:1:2::/64") and the networks blocked for them. Shared by the
-- nodes of a cluster, so guessing on several of them adds up. Rows older than the window are swept.
CREATE TABLE login_failures (
    id        BIGSERIAL PRIMARY KEY,
    network   TEXT    NOT NULL,
    login     TEXT    NOT NULL,
    protocol  TEXT    NOT NULL,
    at        BIGINT  NOT NULL
);
CREATE INDEX login_failures_network ON login_failures (network, at);
CREATE INDEX login_failures_login ON login_failures (login, at);
CREATE INDEX login_failures_at ON login_failures (at);

CREATE TABLE login_blocks (
    network        TEXT    PRIMARY KEY,
    since          BIGINT  NOT NULL,
    until          BIGINT  NOT NULL,
    failures       INTEGER NOT NULL,
    last_login     TEXT    NOT NULL,
    last_protocol  TEXT    NOT NULL
);
