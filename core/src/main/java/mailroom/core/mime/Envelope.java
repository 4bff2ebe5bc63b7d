package mailroom.core.mime;

import java.util.List;

/**
 * The header fields IMAP's ENVELOPE reports (RFC 3501 section 7.4.2), kept from delivery so FETCH
 * never re-reads the message. Strings are the unfolded field values as they appear; absent fields
 * are null.
 */
public record Envelope(String date, String subject,
                       List<EnvelopeAddress> from, List<EnvelopeAddress> sender, List<EnvelopeAddress> replyTo,
                       List<EnvelopeAddress> to, List<EnvelopeAddress> cc, List<EnvelopeAddress> bcc,
                       String inReplyTo, String messageId) {

    /**
     * One address of an address list in IMAP's shape. A group is written as a start marker (host null,
     * mailbox = group name), its members, and an end marker (mailbox and host null), as in RFC 3501.
     */
    public record EnvelopeAddress(String name, String route, String mailbox, String host) {}
}
