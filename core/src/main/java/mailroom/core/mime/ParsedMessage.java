package mailroom.core.mime;

/**
 * What delivery learns about a message once, for IMAP to answer from: size, envelope, MIME tree;
 * and the unfolded References field (RFC 5322 section 3.6.4, null when absent), which the IMAP
 * envelope leaves out but threading needs.
 */
public record ParsedMessage(long size, Envelope envelope, MimePart root, String references) {
    public ParsedMessage(long size, Envelope envelope, MimePart root) {
        this(size, envelope, root, null);
    }
}
