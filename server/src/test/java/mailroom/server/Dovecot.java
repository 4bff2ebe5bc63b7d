package mailroom.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Dovecot (Debian's dovecot-core and dovecot-imapd) started by a test: a generated
 * dovecot.conf in a directory of the test's, every runtime file under it, IMAP on 127.0.6.1 at a
 * free port without TLS, users from a passwd-file with plain passwords, and mail as Maildir++ under
 * {@code home/USER/Maildir} (or any mail_location the test names). Mail files belong to "nobody",
 * as Dovecot refuses to act as root. Closing stops the process whatever happened.
 */
final class Dovecot implements AutoCloseable {
    static final String HOST = "127.0.6.1";
    private static final int MAIL_UID = 65534; // nobody

    final Path dir;
    final int port;
    private final Process process;

    private Dovecot(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** Dovecot with Maildir++ homes under {@code dir/home}. */
    static Dovecot start(Path dir, Map<String, String> passwords) throws IOException, InterruptedException {
        return start(dir, passwords, "maildir:" + dir.resolve("home") + "/%u/Maildir");
    }

    /** Dovecot serving {@code mailLocation} (%u is the user), e.g. an exported Maildir. */
    static Dovecot start(Path dir, Map<String, String> passwords, String mailLocation) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));
        Files.createDirectories(dir.resolve("home"));
        StringBuilder users = new StringBuilder();
        passwords.forEach((user, password) -> users.append(user).append(":{PLAIN}").append(password).append('\n'));
        Files.writeString(dir.resolve("passwd"), users);
        int port = ChildProcess.freePort();
        Files.writeString(dir.resolve("dovecot.conf"), """
                base_dir = %1$s/run
                state_dir = %1$s/state
                log_path = %1$s/dovecot.log
                info_log_path = %1$s/dovecot.log
                listen = %2$s
                protocols = imap
                ssl = no
                disable_plaintext_auth = no
                auth_mechanisms = plain login
                default_internal_user = dovecot
                default_internal_group = dovecot
                default_login_user = dovenull
                first_valid_uid = %3$d
                mail_privileged_group =
                mail_fsync = always
                passdb {
                  driver = passwd-file
                  args = scheme=PLAIN username_format=%%u %1$s/passwd
                }
                userdb {
                  driver = static
                  args = uid=%3$d gid=%3$d home=%1$s/home/%%u mail=%4$s
                }
                namespace inbox {
                  inbox = yes
                  separator = /
                }
                service imap-login {
                  chroot =
                  inet_listener imap {
                    address = %2$s
                    port = %5$d
                  }
                  inet_listener imaps {
                    port = 0
                  }
                }
                service anvil {
                  chroot =
                }
                """.formatted(dir, HOST, MAIL_UID, mailLocation, port));
        // Dovecot's mail processes run as nobody: they must reach and own what they serve.
        openPath(dir);
        chown(dir.resolve("home"));
        var process = new ProcessBuilder("/usr/sbin/dovecot", "-F", "-c", dir.resolve("dovecot.conf").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("dovecot.out").toFile()).start();
        var dovecot = new Dovecot(dir, port, process);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("dovecot exited: " + Files.readString(dir.resolve("dovecot.out")) + readLog(dir));
            }
            try (var s = new Socket()) {
                s.connect(new InetSocketAddress(HOST, port), 500);
                return dovecot;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        dovecot.close();
        throw new IOException("dovecot did not listen on " + HOST + ":" + port + readLog(dir));
    }

    private static String readLog(Path dir) {
        try {
            return Files.exists(dir.resolve("dovecot.log")) ? "\n" + Files.readString(dir.resolve("dovecot.log")) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The user's Maildir as Dovecot writes it. */
    Path maildir(String user) {
        return dir.resolve("home").resolve(user).resolve("Maildir");
    }

    /** Lets nobody pass through every directory from / down to {@code dir} (JUnit's temporary directories are private). */
    static void openPath(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            var perms = Files.getPosixFilePermissions(p);
            // Only where it is missing: rewriting /tmp's permissions would drop its sticky bit.
            if (perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) Files.setPosixFilePermissions(p, perms);
        }
    }

    /** Gives a tree to nobody, so Dovecot's mail processes may read and change it. */
    static void chown(Path tree) throws IOException, InterruptedException {
        var p = new ProcessBuilder("chown", "-R", MAIL_UID + ":" + MAIL_UID, tree.toString()).inheritIO().start();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("chown failed on " + tree);
    }


    @Override
    public void close() {
        process.destroy(); // SIGTERM: the master stops its children
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
