package mailroom.sieve;

/** A script that fails while running (RFC 5228 section 2.10.6): the message is then kept in INBOX. */
final class RuntimeSieveError extends Exception {
    RuntimeSieveError(String message) {
        super(message, null, false, false);
    }
}
