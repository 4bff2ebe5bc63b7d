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
                yield PostgresStorage.open(config.storage.url, config.storage.user, password, config.storage.poolSize);
            }
            default -> SqliteStorage.open(config.node.dataDir, config.storage.fsync);
        };
    }
}
