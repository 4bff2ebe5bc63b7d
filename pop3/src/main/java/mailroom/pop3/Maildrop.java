package mailroom.pop3;

import mailroom.storage.Account;
import mailroom.storage.Mailbox;
import mailroom.storage.MessageSummary;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The messages a POP3 session sees: a snapshot of INBOX taken at login, numbered from 1, with the
 * deletion marks that take effect only at QUIT (RFC 1939 section 6).
 */
final class Maildrop {
    final Account account;
    final Mailbox inbox;
    private final List<MessageSummary> messages;
    private final BitSet deleted = new BitSet();

    Maildrop(Account account, Mailbox inbox, List<MessageSummary> messages) {
        this.account = account;
        this.inbox = inbox;
        this.messages = List.copyOf(messages);
    }

    int size() {
        return messages.size();
    }

    boolean isDeleted(int number) {
        return deleted.get(number);
    }

    /** The message with this 1-based number; refused when out of range or marked deleted. */
    MessageSummary get(String number) throws Pop3Exception {
        int n;
        try {
            n = Integer.parseInt(number.strip());
        } catch (NumberFormatException e) {
            throw new Pop3Exception("Invalid message number: " + number);
        }
        if (n < 1 || n > messages.size()) throw new Pop3Exception("No such message");
        if (deleted.get(n)) throw new Pop3Exception("Message " + n + " already deleted");
        return messages.get(n - 1);
    }

    MessageSummary at(int number) {
        return messages.get(number - 1);
    }

    void delete(String number) throws Pop3Exception {
        get(number);
        deleted.set(Integer.parseInt(number.strip()));
    }

    void undeleteAll() {
        deleted.clear();
    }

    int liveCount() {
        return messages.size() - deleted.cardinality();
    }

    long liveOctets() {
        long total = 0;
        for (int i = 1; i <= messages.size(); i++) if (!deleted.get(i)) total += messages.get(i - 1).size();
        return total;
    }

    List<Long> deletedUids() {
        List<Long> uids = new ArrayList<>();
        deleted.stream().forEach(n -> uids.add(messages.get(n - 1).uid()));
        return uids;
    }

    /** A UIDL that stays the same across sessions and changes if the mailbox is recreated (RFC 1939 section 7). */
    String uidl(int number) {
        return "%08x%08x".formatted(inbox.uidValidity(), at(number).uid());
    }
}
