package mailroom.storage.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server for the tests (zonky's embedded binaries, no root needed), started once
 * per test JVM and stopped when it exits. Each test gets a database of its own.
 */
public final class TestPostgres {
    private static EmbeddedPostgres server;
    private static final AtomicInteger databases = new AtomicInteger();

    private TestPostgres() {}

    static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is going anyway
                }
            }));
        }
        return server;
    }

    /** A new, empty database on the test server; returns its JDBC URL. */
    public static String newDatabase() {
        String name = "mailroom_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (var c = server().getPostgresDatabase().getConnection(); var st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return server().getJdbcUrl("postgres", name);
    }

    /**
     * The database that belongs to a test's directory, made on first use and named in a file there,
     * so that a child JVM given the same directory (the crash test) opens the same database.
     */
    public static String databaseFor(Path dir) {
        Path file = dir.resolve("postgres.url");
        try {
            if (Files.exists(file)) return Files.readString(file).strip();
            Files.createDirectories(dir);
            String url = newDatabase();
            Files.writeString(file, url);
            return url;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
