package mailroom.smtp;

import mailroom.core.mail.EmailAddress;

import java.io.IOException;
import java.util.List;

/**
 * What a listener does with mail: the sorter queues it (MX and submission), a store files it (LMTP).
 * The session does the protocol; the intake decides who may send, what a recipient means, and what
 * becomes of the message.
 */
interface Intake {

    /** MAIL: refuses a sender this session may not use (submission: one the account does not own). */
    void sender(SmtpSession session, SmtpCodec.PathArgument sender) throws SmtpException;

    /** RCPT: the addresses mail for {@code address} is delivered to, or a refusal. */
    List<String> recipient(SmtpSession session, EmailAddress address) throws SmtpException;

    /**
     * End of data: makes the message durable and returns one reply, or (LMTP) one per accepted
     * recipient in RCPT order.
     */
    List<Reply> accept(SmtpSession session, Spool message) throws SmtpException, IOException;
}
