package mailroom.smtp;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The header fields a receiving server puts in front of a message (RFC 5321 section 4.4). */
final class Trace {
    /** RFC 5322 section 3.3 date-time with a numeric zone. */
    static final DateTimeFormatter RFC5322_DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    private Trace() {}

    static String now() {
        return RFC5322_DATE.format(ZonedDateTime.now());
    }

    /** Return-Path, recorded at delivery; a relay drops it again before passing the message on. */
    static String returnPath(SmtpSession s) {
        return "Return-Path: <" + (s.sender.isNullPath() ? "" : s.sender.address()) + ">\r\n";
    }

    /** A Received line saying who handed us the message, how (RFC 3848 protocol names) and for whom. */
    static String received(SmtpSession s) {
        String protocol = switch (s.server.mode) {
            case LMTP -> "LMTP";
            default -> (s.sender.params().containsKey("SMTPUTF8") ? "UTF8SMTP" : s.extended ? "ESMTP" : "SMTP")
                    + (s.connection.isTls() ? "S" : "") + (s.user != null ? "A" : "");
        };
        String forClause = s.recipients.size() == 1 ? "\r\n\tfor <" + s.recipients.get(0).address() + ">" : "";
        return "Received: from " + s.heloName + " ([" + s.connection.remote().getAddress().getHostAddress() + "])\r\n"
                + "\tby " + s.server.hostname + " (Mailroom) with " + protocol + " id " + s.connection.id()
                + forClause + ";\r\n\t" + now() + "\r\n";
    }
}
