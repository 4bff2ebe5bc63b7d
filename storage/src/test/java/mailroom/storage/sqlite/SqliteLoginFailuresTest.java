package mailroom.storage.sqlite;

import mailroom.storage.LoginFailuresContract;
import mailroom.storage.StorageOpener;

class SqliteLoginFailuresTest extends LoginFailuresContract {
    @Override
    protected StorageOpener opener() {
        return new SqliteStorageTest.Opener();
    }
}
