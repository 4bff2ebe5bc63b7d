package mailroom.server;

import mailroom.storage.Accounts;
import mailroom.storage.postgres.TestPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two whole nodes over one PostgreSQL database, as two stores of a cluster: mail taken in by one is
 * pushed to an IMAP client idling on the other, and read there by POP3.
 */
class SharedPostgresTest {
    @TempDir
    Path dir;

    /** A line-at-a-time client for IMAP, POP3 and SMTP alike. */
    private record Client(Socket socket, BufferedReader in, OutputStream out) implements AutoCloseable {
        static Client connect(int port) throws IOException {
            var socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            return new Client(socket, new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8)), socket.getOutputStream());
        }

        void send(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** Reads lines until one starts with {@code prefix}, and returns it. */
        String await(String prefix) throws IOException {
            for (String line; (line = in.readLine()) != null; ) if (line.startsWith(prefix)) return line;
            throw new IOException("connection closed before " + prefix);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void mailTakenInByOneNodeIsPushedToAnIdleClientOnTheOther() throws Exception {
        String url = TestPostgres.newDatabase();
        java.util.function.Consumer<mailroom.core.config.Config> shared = c -> {
            c.storage.backend = "postgres";
            c.storage.url = url;
            c.storage.user = "postgres";
            c.storage.password = "postgres";
            c.storage.poolSize = 4;
        };
        try (var store1 = new TestNode(dir.resolve("store1"), shared); var store2 = new TestNode(dir.resolve("store2"), shared)) {
            new Accounts(store1.node.storage(), "example.test").create("alice", "alice-password");
            try (var idle = Client.connect(store2.imap())) {
                idle.await("* OK");
                idle.send("a LOGIN alice@example.test alice-password");
                idle.await("a OK");
                idle.send("b SELECT INBOX");
                assertThat(idle.await("* 0 ")).isEqualTo("* 0 EXISTS");
                idle.await("b OK");
                idle.send("c IDLE");
                idle.await("+ ");

                try (var smtp = Client.connect(store1.smtp())) {
                    smtp.await("220 ");
                    smtp.send("EHLO test.example");
                    smtp.await("250 ");
                    smtp.send("MAIL FROM:<bob@remote.test>");
                    smtp.await("250 ");
                    smtp.send("RCPT TO:<alice@example.test>");
                    smtp.await("250 ");
                    smtp.send("DATA");
                    smtp.await("354 ");
                    smtp.send("Subject: across the cluster\r\n\r\nfiled by store1, seen on store2\r\n.");
                    smtp.await("250 ");
                    long accepted = System.nanoTime();
                    assertThat(idle.await("* ")).isEqualTo("* 1 EXISTS");
                    Duration took = Duration.ofNanos(System.nanoTime() - accepted);
                    assertThat(took).as("from 250 on store1 to EXISTS on store2").isLessThan(Duration.ofSeconds(1));
                }
                idle.send("DONE");
                idle.await("c OK");
            }
            try (var pop = Client.connect(store2.pop3())) {
                pop.await("+OK");
                pop.send("USER alice@example.test");
                pop.await("+OK");
                pop.send("PASS alice-password");
                pop.await("+OK");
                pop.send("RETR 1");
                pop.await("+OK");
                assertThat(pop.await("filed by")).isEqualTo("filed by store1, seen on store2");
            }
        }
    }
}
