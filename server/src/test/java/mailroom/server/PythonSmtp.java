package mailroom.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Sends from outside with Python's smtplib, from a chosen loopback source address; answers the last reply. */
final class PythonSmtp {
    private static final String SCRIPT = """
            import smtplib, sys
            host, port, source, sender, rcpt, path = sys.argv[1:7]
            message = open(path, "rb").read()
            try:
                with smtplib.SMTP(host, int(port), local_hostname="mx.remote.test", source_address=(source, 0), timeout=30) as s:
                    s.ehlo()
                    for code, text in (s.mail(sender), s.rcpt(rcpt)):
                        if code not in (250, 251):
                            print(code, text.decode()); sys.exit()
                    code, text = s.data(message)
                    print(code, text.decode())
            except smtplib.SMTPResponseException as e:
                print(e.smtp_code, e.smtp_error.decode())
            """;

    private final Path dir;

    PythonSmtp(Path dir) {
        this.dir = dir;
    }

    /** Sends a message from carol@remote.test to {@code rcpt} and returns the last reply ("code text"). */
    String send(String host, int port, String source, String rcpt, String subject, String body) throws IOException, InterruptedException {
        Path script = dir.resolve("send.py");
        if (!Files.exists(script)) Files.writeString(script, SCRIPT);
        Path message = dir.resolve("message-" + UUID.randomUUID() + ".eml");
        Files.writeString(message, "From: Carol Sender <carol@remote.test>\r\nTo: <" + rcpt + ">\r\nSubject: " + subject
                + "\r\nDate: " + DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT).format(ZonedDateTime.now())
                + "\r\nMessage-ID: <" + UUID.randomUUID() + "@remote.test>\r\n\r\n" + body + "\r\n");
        var process = new ProcessBuilder("python3", script.toString(), host, String.valueOf(port), source, "carol@remote.test", rcpt,
                message.toString()).redirectErrorStream(true).start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("smtplib did not finish");
        }
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }
}
