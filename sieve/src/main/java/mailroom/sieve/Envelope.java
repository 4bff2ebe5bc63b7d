package mailroom.sieve;

/**
 * The SMTP envelope of the message being filtered.
 *
 * @param from       the reverse path, "" for the null sender {@code <>}
 * @param to         the final recipient: the account's own address
 * @param originalTo the recipient as RCPT TO gave it (it may carry a +detail); what the envelope test calls "to"
 */
public record Envelope(String from, String to, String originalTo) {
    public Envelope {
        from = from == null ? "" : from;
        originalTo = originalTo == null ? to : originalTo;
    }
}
