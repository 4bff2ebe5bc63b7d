package mailroom.imap;

/**
 * A command's typed outcome other than OK: {@link No} (the command failed) or {@link Bad} (the
 * command was not understood). Handlers throw them; the session turns them into the tagged reply
 * in one place. An optional response code (RFC 3501 section 7.1, RFC 5530) goes in brackets.
 */
public abstract sealed class ImapException extends Exception permits ImapException.No, ImapException.Bad {
    private final String code;

    private ImapException(String code, String text) {
        super(text, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** "tag NO [CODE] text" */
    public static final class No extends ImapException {
        public No(String code, String text) {
            super(code, text);
        }

        public No(String text) {
            super(null, text);
        }
    }

    /** "tag BAD text": a syntax error, or a command in the wrong state. */
    public static final class Bad extends ImapException {
        public Bad(String text) {
            super(null, text);
        }

        public Bad(String code, String text) {
            super(code, text);
        }
    }
}
