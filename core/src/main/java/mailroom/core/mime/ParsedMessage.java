package mailroom.core.mime;

/** What delivery learns about a message once, for IMAP to answer from: size, envelope, MIME tree. */
public record ParsedMessage(long size, Envelope envelope, MimePart root) {}
