package mailroom.admin;

import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import mailroom.sieve.AccountRules;
import mailroom.sieve.OutOfOffice;
import mailroom.sieve.syntax.SieveException;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Storage;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The API for an account's mail rules: its Sieve scripts, and its out-of-office (set, seen and
 * ended without writing Sieve). The console's out-of-office form uses these.
 */
final class RulesApi {
    private final Accounts accounts;
    private final AccountRules rules;

    RulesApi(Storage storage, Accounts accounts) {
        this.accounts = accounts;
        this.rules = new AccountRules(storage);
    }

    void register(io.javalin.config.RoutesConfig r) {
        r.get("/api/v1/accounts/{address}/sieve", ctx -> ctx.json(rules.list(account(ctx).id()).stream()
                .map(i -> Map.of("name", i.name(), "active", i.active(), "bytes", i.size())).toList()));
        r.get("/api/v1/accounts/{address}/sieve/{name}", ctx -> {
            Account account = account(ctx);
            String name = ctx.pathParam("name");
            String script = rules.show(account.id(), name).orElseThrow(() -> new NotFoundResponse("no script " + name));
            ctx.json(Map.of("name", name, "script", script));
        });
        r.put("/api/v1/accounts/{address}/sieve/{name}", ctx -> {
            Account account = account(ctx);
            if (!(AdminServer.body(ctx).get("script") instanceof String script)) throw new IllegalArgumentException("\"script\" (the Sieve text) is required");
            try {
                rules.put(account.id(), ctx.pathParam("name"), script);
            } catch (SieveException e) {
                throw new IllegalArgumentException(e.describe()); // a 400 that names the line
            }
            if (Boolean.TRUE.equals(AdminServer.body(ctx).get("active"))) rules.activate(account.id(), ctx.pathParam("name"));
            ctx.status(204);
        });
        r.post("/api/v1/accounts/{address}/sieve/{name}/activate", ctx -> {
            if (!rules.activate(account(ctx).id(), ctx.pathParam("name"))) throw new NotFoundResponse("no script " + ctx.pathParam("name"));
            ctx.status(204);
        });
        r.post("/api/v1/accounts/{address}/sieve-off", ctx -> {
            rules.activate(account(ctx).id(), null);
            ctx.status(204);
        });

        r.get("/api/v1/accounts/{address}/vacation", ctx -> {
            var set = rules.vacation(account(ctx).id());
            if (set.isPresent()) ctx.json(describe(set.get()));
            else ctx.status(404).json(Map.of("error", "no out-of-office")); // an answer, not a fault: the console shows it
        });
        r.put("/api/v1/accounts/{address}/vacation", ctx -> {
            var body = AdminServer.body(ctx);
            var set = rules.setVacation(account(ctx).id(), new OutOfOffice(date(body.get("from")), date(body.get("until")),
                    body.get("subject") instanceof String s && !s.isBlank() ? s : null,
                    body.get("body") instanceof String b ? b : null,
                    body.get("days") instanceof Number n ? n.intValue() : 7, null));
            ctx.json(describe(set));
        });
        r.delete("/api/v1/accounts/{address}/vacation", ctx -> {
            if (!rules.endVacation(account(ctx).id())) throw new NotFoundResponse("no out-of-office");
            ctx.status(204);
        });
    }

    private Account account(Context ctx) {
        String address = ctx.pathParam("address");
        return accounts.find(address).orElseThrow(() -> new NotFoundResponse("no account " + address));
    }

    private static Map<String, Object> describe(OutOfOffice v) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", v.from() == null ? null : v.from().toString());
        out.put("until", v.until() == null ? null : v.until().toString());
        out.put("subject", v.subject());
        out.put("body", v.body());
        out.put("days", v.days());
        out.put("keeps", v.keeps());
        out.put("answering_today", v.activeOn(LocalDate.now()));
        return out;
    }

    private static LocalDate date(Object value) {
        if (value == null || value instanceof String s && s.isBlank()) return null;
        try {
            return LocalDate.parse(String.valueOf(value));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a date (YYYY-MM-DD): " + value);
        }
    }
}
