package mailroom.storage.sqlite;

import mailroom.storage.Storage;
import mailroom.storage.StorageContract;
import mailroom.storage.StorageOpener;

import java.nio.file.Path;

class SqliteStorageTest extends StorageContract {
    /** Opens the embedded backend with fsync on, as production runs it. */
    public static final class Opener implements StorageOpener {
        @Override
        public Storage open(Path dataDir) {
            return SqliteStorage.open(dataDir, true);
        }
    }

    @Override
    protected StorageOpener opener() {
        return new Opener();
    }

    @Override
    protected java.sql.Connection database() throws java.sql.SQLException {
        return java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("mailroom.db"));
    }
}
