package mailroom.sieve;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What a Sieve script decided for one message, after implicit keep has been resolved: a message
 * that is neither stored nor rejected nor redirected has been discarded. Each action prints in one
 * normal form ({@link #describe()}), the same one the conformance test derives from Pigeonhole's
 * {@code sieve-test}, so the two engines can be compared line by line.
 */
public sealed interface Action {

    String describe();

    /** {@code keep} (into INBOX) or {@code fileinto}: the message is filed with these flags. */
    record Store(String mailbox, Set<String> flags, boolean create) implements Action {
        public String describe() {
            String line = "store \"" + mailbox + "\"";
            if (flags.isEmpty()) return line;
            Set<String> sorted = flags.stream().map(f -> f.toLowerCase(Locale.ROOT)).collect(Collectors.toCollection(TreeSet::new));
            return line + " flags " + String.join(" ", sorted);
        }
    }

    /** {@code redirect}: the message is sent on, unchanged, to another address. */
    record Redirect(String address) implements Action {
        public String describe() {
            return "redirect <" + address + ">";
        }
    }

    /** {@code reject} or {@code ereject} (RFC 5429): refused, with a reason for the sender. */
    record Reject(String reason, boolean extended) implements Action {
        public String describe() {
            return "reject";
        }
    }

    /**
     * {@code vacation} (RFC 5230, RFC 6131): an automatic answer to {@code to}, at most once per
     * {@code period} for the same sender and {@code handle}.
     */
    record Vacation(String to, String from, String subject, String body, boolean mime, Duration period, String handle) implements Action {
        public String describe() {
            return "vacation <" + to + ">";
        }
    }
}
