package mailroom.core.mime;

import java.util.List;
import java.util.Map;

/**
 * One node of a message's MIME tree with the byte offsets of its header and body inside the stored
 * message, so BODY[1.2], BODY[1.MIME] and BODY[TEXT] are served as byte ranges of the blob.
 *
 * @param headerStart offset of the part's first header line
 * @param bodyStart   offset just after the blank line that ends the header
 * @param bodyEnd     offset where the body ends (before the CRLF that precedes a boundary)
 * @param type        lower-case media type, e.g. "text"
 * @param subtype     lower-case media subtype, e.g. "plain"
 * @param params      Content-Type parameters, names lower-cased
 * @param lines       lines in the body (IMAP reports them for text/* and message/rfc822)
 * @param parts       children of a multipart, empty otherwise
 * @param envelope    for message/rfc822: the envelope of the enclosed message
 * @param message     for message/rfc822: the enclosed message's root part
 */
public record MimePart(long headerStart, long bodyStart, long bodyEnd,
                       String type, String subtype, Map<String, String> params,
                       String id, String description, String encoding, long lines, String md5,
                       String disposition, Map<String, String> dispositionParams,
                       List<String> language, String location,
                       List<MimePart> parts, Envelope envelope, MimePart message) {

    public long bodySize() {
        return bodyEnd - bodyStart;
    }

    public boolean isMultipart() {
        return type.equals("multipart");
    }

    public boolean isMessage() {
        return type.equals("message") && (subtype.equals("rfc822") || subtype.equals("global")) && message != null;
    }
}
