package mailroom.jmap.mail;

import mailroom.core.mail.EmailAddress;
import mailroom.storage.Account;
import mailroom.storage.sharing.SharedMailboxes;

import java.util.Locale;

/**
 * The addresses an account may send as, the same rule as SMTP submission's: its own address, a
 * +tag of it, a local alias that leads to it, or the address of an account that lets it post as
 * that account (the "p" right on its INBOX, see {@link SharedMailboxes#delegator}). Identities (Identity/set) and submissions
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
        if (mail.storage().directory().alias(local, domain).map(a -> a.targets().stream().anyMatch(t -> t.equalsIgnoreCase(account.address()))).orElse(false)) return true;
        return delegator(mail, account, address).isPresent();
    }

    /** The other account an address names when the account may send as it. */
    static java.util.Optional<Account> delegator(MailContext mail, Account account, String address) {
        return EmailAddress.parse(address, true).flatMap(a -> new SharedMailboxes(mail.storage()).delegator(account, a.localPart(), a.domain()));
    }
}
