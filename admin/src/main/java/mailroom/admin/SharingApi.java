package mailroom.admin;

import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.sharing.Shares;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The API for sharing: who may do what in an account's mailboxes (RFC 4314 rights), and the groups
 * they may be shared with. The console's sharing card and `mailroom share`/`group` do the same.
 */
final class SharingApi {
    private final Accounts accounts;
    private final Shares shares;

    SharingApi(Accounts accounts) {
        this.accounts = accounts;
        this.shares = new Shares(accounts);
    }

    void register(io.javalin.config.RoutesConfig r) {
        r.get("/api/v1/accounts/{address}/shares", ctx -> ctx.json(shares.grants(account(ctx)).stream()
                .map(g -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("mailbox", g.mailbox());
                    out.put("with", g.identifier());
                    out.put("rights", g.rights());
                    return out;
                }).toList()));
        // {"mailbox": "INBOX", "with": "bob@example.org" | "$desk" | "anyone", "rights": "lrs" | "", "seen": "shared" | "private"}
        r.put("/api/v1/accounts/{address}/shares", ctx -> {
            var body = AdminServer.body(ctx);
            Account owner = account(ctx);
            String folder = body.get("mailbox") instanceof String m && !m.isBlank() ? m : "INBOX";
            var mailbox = shares.mailbox(owner.address() + "/" + folder);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("mailbox", folder);
            if (body.get("seen") instanceof String seen) {
                if (!seen.equals("shared") && !seen.equals("private")) throw new IllegalArgumentException("\"seen\" is shared or private");
                shares.setSharedSeen(mailbox, seen.equals("shared"));
            }
            if (body.get("with") instanceof String with) {
                if (!(body.get("rights") instanceof String rights)) throw new IllegalArgumentException("\"rights\" is required with \"with\" (\"\" takes them away)");
                out.put("with", with);
                out.put("rights", shares.share(mailbox, with, rights).letters());
            }
            out.put("seen", shares.sharedSeen(mailbox) ? "shared" : "private");
            ctx.json(out);
        });

        r.get("/api/v1/groups", ctx -> ctx.json(shares.groups()));
        // {"members": ["alice@example.org", ...]}: creates the group if needed and adds them
        r.put("/api/v1/groups/{name}", ctx -> {
            shares.addToGroup(ctx.pathParam("name"), members(ctx));
            Map<String, Object> out = new LinkedHashMap<>(); // in this order, for people reading it
            out.put("name", ctx.pathParam("name"));
            out.put("members", shares.groups().get(ctx.pathParam("name")));
            ctx.json(out);
        });
        r.delete("/api/v1/groups/{name}/members/{address}", ctx -> {
            shares.removeFromGroup(ctx.pathParam("name"), List.of(ctx.pathParam("address")));
            ctx.status(204);
        });
        r.delete("/api/v1/groups/{name}", ctx -> {
            if (!shares.groups().containsKey(ctx.pathParam("name"))) throw new NotFoundResponse("no group " + ctx.pathParam("name"));
            shares.deleteGroup(ctx.pathParam("name"));
            ctx.status(204);
        });
    }

    private static List<String> members(Context ctx) {
        Object members = AdminServer.body(ctx).get("members");
        if (members == null) return List.of();
        if (!(members instanceof List<?> list)) throw new IllegalArgumentException("\"members\" is a list of addresses");
        return list.stream().map(String::valueOf).toList();
    }

    private Account account(Context ctx) {
        String address = ctx.pathParam("address");
        return accounts.find(address).orElseThrow(() -> new NotFoundResponse("no account " + address));
    }
}
