package mailroom.imap;

import mailroom.imap.codec.ImapParser;
import mailroom.storage.Account;

import java.io.IOException;

/**
 * QUOTA (RFC 9208) with the STORAGE resource: one quota root, "", per account. Limits are the
 * administrator's (`mailroom user quota`), so SETQUOTA is refused.
 */
final class QuotaCommands {
    private QuotaCommands() {}

    /** The account as stored now: its quota may have changed since login. */
    static Account current(ImapSession s) {
        return s.server.storage.directory().account(s.account.id()).orElse(s.account);
    }

    /** NO [OVERQUOTA] when {@code moreBytes} would not fit in the account (APPEND, COPY): the session's, or a shared mailbox's owner. */
    static void require(ImapSession s, long accountId, long moreBytes) throws ImapException.No {
        Account account = s.server.storage.directory().account(accountId).orElse(s.account);
        if (account.quotaBytes() > 0 && account.overQuota(s.server.accounts.usage(account), moreBytes)) {
            throw new ImapException.No("OVERQUOTA", "Quota exceeded (mailbox full)");
        }
    }

    private static String quotaLine(ImapSession s, Account account) {
        long usedKib = (s.server.accounts.usage(account) + 1023) / 1024;
        return "QUOTA \"\" (STORAGE " + usedKib + " " + account.quotaBytes() / 1024 + ")";
    }

    static String getQuotaRoot(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String name = s.mailboxName(args.astring());
        args.end();
        var place = Places.existing(s, name, "r");
        Account account = s.server.storage.directory().account(place.owner().id()).orElse(place.owner());
        if (account.quotaBytes() == 0 || !place.own()) { // another account's quota is its owner's business
            s.untagged("QUOTAROOT " + s.wireName(name));
        } else {
            s.untagged("QUOTAROOT " + s.wireName(name) + " \"\"");
            s.untagged(quotaLine(s, account));
        }
        return "GETQUOTAROOT completed";
    }

    static String getQuota(ImapSession s, String tag, ImapParser args) throws ImapException, IOException {
        String root = args.astring();
        args.end();
        Account account = current(s);
        if (!root.isEmpty() || account.quotaBytes() == 0) throw new ImapException.No("NONEXISTENT", "No such quota root");
        s.untagged(quotaLine(s, account));
        return "GETQUOTA completed";
    }

    static String setQuota(ImapSession s, String tag, ImapParser args) throws ImapException {
        args.astring();
        args.sp();
        args.expect('(');
        while (!args.tryConsume(')')) {
            args.tryConsume(' ');
            args.atom();
            args.sp();
            args.number();
        }
        args.end();
        throw new ImapException.No("NOPERM", "Quotas are set by the administrator");
    }
}
