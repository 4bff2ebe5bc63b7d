package mailroom.smtp;

/** A handler's refusal: the typed outcome that the session turns into the reply, in one place. */
public final class SmtpException extends Exception {
    private final Reply reply;

    public SmtpException(Reply reply) {
        super(reply.wire().strip(), null, false, false);
        this.reply = reply;
    }

    public SmtpException(int code, String enhanced, String text) {
        this(Reply.of(code, enhanced, text));
    }

    public Reply reply() {
        return reply;
    }
}
