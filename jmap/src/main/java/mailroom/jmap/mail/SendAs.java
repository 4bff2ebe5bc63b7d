package mailroom.jmap.mail;

import mailroom.core.mail.EmailAddress;
import mailroom.storage.Account;

import java.util.Locale;

/**
 * The addresses an account may send as, the same rule as SMTP submission's: its own address, a
 * +tag of it, or a local alias that leads to it. Identities (Identity/set) and submissions
 * (EmailSubmission/set, forbiddenFrom and forbiddenMailFrom) both ask here.
 */
final class SendAs {
    private SendAs() {}

    static boolean allowed(MailContext mail, Account account, String address) {
        var parsed = EmailAddress.parse(address, true);
        if (parsed.isEmpty()) return false;
        String local = parsed.get().localPart().toLowerCase(Locale.ROOT);
        String domain = parsed.get().domain().toLowerCase(Locale.ROOT);
        int plus = local.indexOf('+');
        String base = plus > 0 ? local.substring(0, plus) : local;
        if (domain.equalsIgnoreCase(account.domain()) && base.equalsIgnoreCase(account.username())) return true;
        return mail.storage().directory().alias(local, domain).map(a -> a.targets().stream().anyMatch(t -> t.equalsIgnoreCase(account.address()))).orElse(false);
    }
}
