package mailroom.storage.postgres;

import mailroom.storage.LoginFailuresContract;
import mailroom.storage.StorageOpener;

class PostgresLoginFailuresTest extends LoginFailuresContract {
    @Override
    protected StorageOpener opener() {
        return new PostgresStorageTest.Opener();
    }
}
