package mailroom.storage.sqlite;

import mailroom.storage.StorageOpener;
import mailroom.storage.TextIndexContract;

import java.sql.Connection;
import java.sql.SQLException;

class SqliteTextIndexTest extends TextIndexContract {
    @Override
    protected StorageOpener opener() {
        return new SqliteStorageTest.Opener();
    }

    @Override
    protected Connection database() throws SQLException {
        return java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("mailroom.db"));
    }

    @Override
    protected void forgetIndex(Connection c) throws SQLException {
        try (var st = c.createStatement()) {
            st.execute("DELETE FROM text_index");
            st.execute("DELETE FROM text_blobs");
            st.execute("DELETE FROM text_partial");
            st.execute("INSERT INTO text_backlog (blob_id) SELECT DISTINCT blob_id FROM messages");
        }
    }
}
