package mailroom.sieve;

/**
 * The SMTP envelope of the message being filtered.
 *
 * @param from       the reverse path, "" for the null sender {@code <>}
 * @param to         the recipient as given in RCPT TO (it may carry a +detail)
 * @param originalTo the original recipient (DSN ORCPT) or the same as {@code to}
 */
public record Envelope(String from, String to, String originalTo) {
    public Envelope {
        from = from == null ? "" : from;
        originalTo = originalTo == null ? to : originalTo;
    }
}
