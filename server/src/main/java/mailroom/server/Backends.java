package mailroom.server;

import mailroom.core.config.Config;
import mailroom.storage.Storage;
import mailroom.storage.postgres.PostgresStorage;
import mailroom.storage.sqlite.SqliteStorage;

/** Opens the storage a configuration names: embedded SQLite under the data directory, or a shared PostgreSQL. */
final class Backends {
    private Backends() {}

    static Storage open(Config config) {
        return switch (config.storage.backend) {
            case "postgres" -> {
                String password = System.getenv().getOrDefault("MAILROOM_DB_PASSWORD", config.storage.password);
                var s = config.storage;
                yield PostgresStorage.open(new PostgresStorage.Settings(s.url, s.user, password, s.poolSize, s.failoverWait, s.patroniPort));
            }
            default -> SqliteStorage.open(config.node.dataDir, config.storage.fsync);
        };
    }
}
