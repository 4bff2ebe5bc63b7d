package mailroom.smtp;

import mailroom.storage.Queue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;

/**
 * Delivery status notifications (RFC 3464): a multipart/report with a note for people, a
 * message/delivery-status part for programs, and the original message (or its header with RET=HDRS).
 */
final class Dsn {
    enum Action {
        FAILED("Undelivered Mail Returned to Sender", "could not be delivered to the recipients below. This is permanent."),
        DELAYED("Delayed Mail (still being retried)", "has not yet been delivered to the recipients below. We keep trying; you need do nothing yet."),
        DELIVERED("Successful Mail Delivery Report", "was delivered to the recipients below.");

        final String subject, explanation;

        Action(String subject, String explanation) {
            this.subject = subject;
            this.explanation = explanation;
        }
    }

    /** One recipient's line in the report, with the reply that decided it. */
    record Report(Queue.Rcpt rcpt, Reply reply, String remoteMta) {}

    private Dsn() {}

    /** Whether the recipient asked (or by default gets) a notice of this kind (RFC 3461 section 4.1). */
    static boolean wanted(Queue.Rcpt rcpt, Action action) {
        String notify = rcpt.notifyOn();
        if (notify == null) return action == Action.FAILED || action == Action.DELAYED;
        return !notify.equals("NEVER") && notify.contains(switch (action) {
            case FAILED -> "FAILURE";
            case DELAYED -> "DELAY";
            case DELIVERED -> "SUCCESS";
        });
    }

    static void write(OutputStream out, String hostname, Queue.Entry entry, Action action, List<Report> reports,
                      Instant retryUntil, InputStream original) throws IOException {
        String boundary = "dsn-" + UUID.randomUUID();
        StringBuilder head = new StringBuilder();
        head.append("From: Mail Delivery System <MAILER-DAEMON@").append(hostname).append(">\r\n")
                .append("To: <").append(entry.sender()).append(">\r\n")
                .append("Subject: ").append(action.subject).append("\r\n")
                .append("Date: ").append(Trace.now()).append("\r\n")
                .append("Message-ID: <").append(UUID.randomUUID()).append("@").append(hostname).append(">\r\n")
                .append("Auto-Submitted: auto-replied\r\n") // RFC 3834: no auto-reply to this
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"").append(boundary).append("\"\r\n\r\n")
                .append("This is a MIME-formatted delivery status notification.\r\n\r\n");

        head.append("--").append(boundary).append("\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
                .append("This is the mail system at ").append(hostname).append(".\r\n\r\n")
                .append("Your message ").append(action.explanation).append("\r\n\r\n");
        for (Report r : reports) {
            head.append("<").append(r.rcpt().address()).append(">: ").append(replyText(r.reply())).append("\r\n");
        }

        head.append("\r\n--").append(boundary).append("\r\nContent-Type: message/delivery-status\r\n\r\n")
                .append("Reporting-MTA: dns; ").append(hostname).append("\r\n");
        if (entry.envelope().envid() != null) head.append("Original-Envelope-Id: ").append(entry.envelope().envid()).append("\r\n");
        head.append("Arrival-Date: ").append(date(entry.createdAt())).append("\r\n");
        for (Report r : reports) {
            head.append("\r\n");
            if (r.rcpt().orcpt() != null) head.append("Original-Recipient: ").append(r.rcpt().orcpt()).append("\r\n");
            head.append("Final-Recipient: rfc822; ").append(r.rcpt().address()).append("\r\n")
                    .append("Action: ").append(action.name().toLowerCase(java.util.Locale.ROOT)).append("\r\n")
                    .append("Status: ").append(status(r.reply())).append("\r\n");
            if (r.remoteMta() != null) head.append("Remote-MTA: dns; ").append(r.remoteMta()).append("\r\n");
            if (action != Action.DELIVERED) head.append("Diagnostic-Code: smtp; ").append(replyText(r.reply())).append("\r\n");
            head.append("Last-Attempt-Date: ").append(date(Instant.now())).append("\r\n");
            if (action == Action.DELAYED) head.append("Will-Retry-Until: ").append(date(retryUntil)).append("\r\n");
        }

        boolean headersOnly = "HDRS".equals(entry.envelope().ret());
        head.append("\r\n--").append(boundary).append("\r\nContent-Type: ")
                .append(headersOnly ? "text/rfc822-headers" : "message/rfc822").append("\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.UTF_8));
        copyOriginal(original, out, headersOnly);
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** The original (without our Return-Path), whole or up to the end of its header section. */
    private static void copyOriginal(InputStream original, OutputStream out, boolean headersOnly) throws IOException {
        InputStream in = MessageHeaders.withoutReturnPath(original);
        if (headersOnly) MessageHeaders.copyHeaderSection(in, out, Long.MAX_VALUE);
        else in.transferTo(out);
    }

    private static String status(Reply reply) {
        if (reply.enhanced() != null) return reply.enhanced();
        return reply.code() >= 500 ? "5.0.0" : reply.code() >= 400 ? "4.0.0" : "2.0.0";
    }

    private static String replyText(Reply reply) {
        return reply.code() + (reply.enhanced() != null ? " " + reply.enhanced() : "") + " " + String.join(" ", reply.lines());
    }

    private static String date(Instant instant) {
        return Trace.RFC5322_DATE.format(instant.atZone(ZoneId.systemDefault()));
    }
}
