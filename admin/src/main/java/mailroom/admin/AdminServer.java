package mailroom.admin;

import io.javalin.Javalin;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import mailroom.core.config.Config;
import mailroom.directory.ClusterAdmin;
import mailroom.storage.Account;
import mailroom.storage.Accounts;
import mailroom.storage.Directory;
import mailroom.storage.Storage;

import java.io.Closeable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The admin role's HTTP server (2080): the JSON API under /api/v1 for what the command line does,
 * health checks, Prometheus metrics, and client autoconfiguration. Every API call needs an administrator; every change
 * is written to the audit log with who made it. Handlers call the same services as the command
 * line (Accounts, ClusterAdmin, the storage), so the two cannot drift.
 */
public final class AdminServer implements Closeable {
    private final Javalin app;
    private final Accounts accounts;
    private final Directory directory;
    private final Storage storage;
    private final ClusterAdmin cluster;
    private final AdminAuth auth;
    private final Autoconfig autoconfig;
    private final ImportJobs imports;

    public AdminServer(Config config, Storage storage, Accounts accounts) {
        this(config, storage, accounts, null);
    }

    /** With {@code tls} (and [admin] tls on), HTTPS with the node's certificate. */
    public AdminServer(Config config, Storage storage, Accounts accounts, javax.net.ssl.SSLContext tls) {
        this.accounts = accounts;
        this.storage = storage;
        this.directory = storage.directory();
        this.cluster = new ClusterAdmin(directory, config.director.nodeTimeout, Clock.systemUTC());
        this.auth = new AdminAuth(accounts, directory);
        this.autoconfig = new Autoconfig(config, directory);
        this.imports = new ImportJobs(storage);
        this.app = Javalin.create(c -> {
            c.jetty.host = config.node.bind;
            c.jetty.port = config.admin.port;
            if (config.admin.tls && tls != null) c.jetty.modifyServer(server -> {
                var factory = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
                factory.setSslContext(tls);
                factory.setIncludeProtocols(mailroom.core.net.TlsContexts.PROTOCOLS.toArray(String[]::new));
                var https = new org.eclipse.jetty.server.ServerConnector(server, factory);
                https.setHost(config.node.bind);
                https.setPort(config.admin.port);
                server.setConnectors(new org.eclipse.jetty.server.Connector[] {https});
            });
            c.startup.showJavalinBanner = false;
            c.routes.get("/healthz", ctx -> ctx.result("ok"));
            c.routes.get("/readyz", this::ready);
            var prometheus = Prometheus.registry(storage.queue());
            c.routes.get("/metrics", ctx -> {
                Prometheus.recordDatabase(storage.databaseMembers());
                ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(prometheus.scrape());
            });
            autoconfig.register(c.routes);
            c.routes.get("/", ctx -> ctx.redirect("/console"));
            c.routes.get("/console", ctx -> console(ctx, "index.html"));
            c.routes.get("/console/{file}", ctx -> console(ctx, ctx.pathParam("file")));
            c.routes.before("/api/*", auth::require);
            c.routes.after("/api/*", this::audit);
            routes(c.routes);
            new RulesApi(storage, accounts).register(c.routes);
            new SharingApi(accounts).register(c.routes);
            c.routes.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
            c.routes.exception(Directory.AlreadyExists.class, (e, ctx) -> error(ctx, 409, e.getMessage()));
            c.routes.exception(com.fasterxml.jackson.core.JacksonException.class, (e, ctx) -> error(ctx, 400, "the body is not the JSON expected"));
        }).start();
    }

    public int port() {
        return app.port();
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(Map.of("error", message == null ? "bad request" : message));
    }

    /** The console's files, built into the jar; it runs in the browser and uses the API. */
    private void console(Context ctx, String file) {
        String type = file.endsWith(".html") ? "text/html; charset=utf-8" : file.endsWith(".css") ? "text/css; charset=utf-8"
                : file.endsWith(".js") ? "text/javascript; charset=utf-8" : null;
        var in = type == null || !file.matches("[a-z]+\\.[a-z]+") ? null : getClass().getResourceAsStream("/admin/console/" + file);
        if (in == null) throw new NotFoundResponse("no such file");
        ctx.contentType(type).header("Cache-Control", "no-cache").result(in);
    }

    /** Ready when the storage answers and takes writes (in a cluster: a primary is reachable). */
    private void ready(Context ctx) {
        try {
            if (!storage.writable()) {
                ctx.status(503).result("no primary database to write to");
                return;
            }
            directory.zoneSerial();
            ctx.result("ready");
        } catch (RuntimeException e) {
            ctx.status(503).result("storage unavailable: " + e.getMessage());
        }
    }

    /** Changes (anything but GET) that succeeded go to the audit log, with the caller and the body's first 500 characters. */
    private void audit(Context ctx) {
        if (ctx.method().name().equals("GET") || ctx.statusCode() >= 400 || ctx.attribute(AdminAuth.ACTOR) == null) return;
        String body = ctx.path().endsWith("/import") ? ctx.body().lines().count() + " lines" // addresses and passwords: not for the log
                : ctx.body().replaceAll("\"password\"\\s*:\\s*\"[^\"]*\"", "\"password\":\"***\"");
        directory.audit(Instant.now(), ctx.attribute(AdminAuth.ACTOR), ctx.method().name() + " " + ctx.path(), body.length() > 500 ? body.substring(0, 500) : body);
    }

    private void routes(io.javalin.config.RoutesConfig r) {
        r.get("/api/v1/domains", ctx -> ctx.json(accounts.domains()));
        r.post("/api/v1/domains", ctx -> {
            String name = field(ctx, "name");
            accounts.addDomain(name);
            ctx.status(201).json(Map.of("name", name.toLowerCase(Locale.ROOT)));
        });

        r.get("/api/v1/accounts", ctx -> { // at most ?limit= (default 1000): each row reads the account's usage
            String search = ctx.queryParam("search");
            int limit = positive(ctx.queryParam("limit"), 1000);
            List<Map<String, Object>> out = new ArrayList<>();
            for (Account a : accounts.list()) {
                if (out.size() == limit) break;
                if (search == null || a.address().contains(search.toLowerCase(Locale.ROOT))) out.add(describe(a));
            }
            ctx.json(out);
        });
        r.post("/api/v1/accounts", ctx -> {
            var created = accounts.create(field(ctx, "address"), Accounts.requireGoodPassword(field(ctx, "password")));
            ctx.status(201).json(describe(created));
        });
        r.post("/api/v1/accounts/import", ctx -> { // the body as `mailroom user import` reads a file
            int created = accounts.importAccounts(new java.io.BufferedReader(new java.io.StringReader(ctx.body())), "the body");
            ctx.status(201).json(Map.of("created", created));
        });
        r.get("/api/v1/accounts/{address}", ctx -> ctx.json(describe(account(ctx))));
        r.delete("/api/v1/accounts/{address}", ctx -> {
            accounts.delete(account(ctx).address());
            ctx.status(204);
        });
        r.put("/api/v1/accounts/{address}/password", ctx -> {
            accounts.setPassword(account(ctx).address(), Accounts.requireGoodPassword(field(ctx, "password")));
            ctx.status(204);
        });
        r.put("/api/v1/accounts/{address}/quota", ctx -> {
            long bytes = number(ctx, "bytes");
            if (bytes < 0) throw new IllegalArgumentException("bytes must be 0 (no limit) or more");
            accounts.setQuota(account(ctx).address(), bytes);
            ctx.json(describe(account(ctx)));
        });
        r.put("/api/v1/accounts/{address}/admin", ctx -> {
            directory.setAdmin(account(ctx).id(), bool(ctx, "admin"));
            ctx.json(describe(account(ctx)));
        });

        r.post("/api/v1/accounts/{address}/import", ctx -> { // runs in the background: poll GET /api/v1/jobs/{id}
            Account account = account(ctx);
            var body = body(ctx);
            var job = switch (text(body, "source")) {
                case "maildir" -> {
                    var path = java.nio.file.Path.of(text(body, "path"));
                    var source = new mailroom.transfer.maildir.MaildirSource(path); // checks the path now, so a typo is a 400
                    yield imports.start(account, "maildir " + path, progress -> source);
                }
                case "mbox" -> {
                    if (!(body.get("paths") instanceof List<?> l) || l.isEmpty() || !l.stream().allMatch(String.class::isInstance)) {
                        throw new IllegalArgumentException("\"paths\" (a list of mbox files) is required");
                    }
                    var files = l.stream().map(p -> java.nio.file.Path.of((String) p)).toList();
                    var source = new mailroom.transfer.mbox.MboxSource(files, body.get("mailbox") instanceof String m ? m : null);
                    yield imports.start(account, "mbox " + files, progress -> source);
                }
                case "imap" -> {
                    var from = java.net.URI.create(text(body, "from"));
                    String password = text(body, "password");
                    boolean insecure = Boolean.TRUE.equals(body.get("insecure"));
                    int connections = body.get("connections") instanceof Number n ? n.intValue() : 4;
                    new mailroom.transfer.imap.ImapSource(from, password, insecure, false, connections, mailroom.transfer.Progress.silent("check")); // checks the URL now
                    List<String> folders = body.get("folders") instanceof List<?> f ? f.stream().map(String::valueOf).toList() : List.of();
                    yield imports.start(account, "imap " + from, progress -> {
                        var source = new mailroom.transfer.imap.ImapSource(from, password, insecure, false, connections, progress);
                        return folders.isEmpty() ? source : mailroom.transfer.Source.only(source, new java.util.LinkedHashSet<>(folders));
                    });
                }
                default -> throw new IllegalArgumentException("\"source\" is maildir, mbox or imap");
            };
            ctx.status(202).json(job.describe());
        });
        r.get("/api/v1/jobs", ctx -> ctx.json(imports.all().stream().map(ImportJobs.Job::describe).toList()));
        r.get("/api/v1/jobs/{id}", ctx -> {
            var job = imports.get(ctx.pathParam("id"));
            if (job == null) throw new NotFoundResponse("no job " + ctx.pathParam("id"));
            ctx.json(job.describe());
        });

        r.get("/api/v1/aliases", ctx -> ctx.json(directory.aliases().stream().map(a -> Map.of("address", a.address(), "targets", a.targets())).toList()));
        r.put("/api/v1/aliases/{address}", ctx -> {
            var address = accounts.address(ctx.pathParam("address"));
            if (!accounts.domains().contains(address.domain())) throw new IllegalArgumentException("domain " + address.domain() + " is not local");
            List<String> targets = list(ctx, "targets");
            if (targets.isEmpty()) throw new IllegalArgumentException("an alias needs at least one target");
            directory.setAlias(new Directory.Alias(address.localPart(), address.domain(), targets));
            ctx.json(Map.of("address", address.toString(), "targets", targets));
        });
        r.delete("/api/v1/aliases/{address}", ctx -> {
            var address = accounts.address(ctx.pathParam("address"));
            if (!directory.deleteAlias(address.localPart(), address.domain())) throw new NotFoundResponse("no alias " + address);
            ctx.status(204);
        });

        r.get("/api/v1/dkim/{domain}", ctx -> {
            var key = directory.dkimKey(ctx.pathParam("domain")).orElseThrow(() -> new NotFoundResponse("no DKIM key for " + ctx.pathParam("domain")));
            ctx.json(dkim(key));
        });
        r.post("/api/v1/dkim/{domain}", ctx -> {
            String domain = ctx.pathParam("domain").toLowerCase(Locale.ROOT);
            if (!accounts.domains().contains(domain)) throw new IllegalArgumentException("domain " + domain + " is not local");
            String selector = optional(ctx, "selector", "mailroom");
            var key = mailroom.smtp.Dkim.generate(domain, selector);
            directory.setDkimKey(key);
            ctx.status(201).json(dkim(key));
        });

        r.get("/api/v1/routes", ctx -> ctx.json(Map.of("letters", cluster.routes(), "accounts", cluster.accountRoutes())));
        r.post("/api/v1/routes/move", ctx -> {
            var body = body(ctx);
            String to = text(body, "to");
            if (body.containsKey("letters") == body.containsKey("account")) throw new IllegalArgumentException("give \"letters\" or \"account\" (one of them)");
            if (body.containsKey("letters")) cluster.moveKeys(text(body, "letters"), to);
            else cluster.moveAccount(text(body, "account"), to);
            ctx.json(Map.of("letters", cluster.routes(), "accounts", cluster.accountRoutes()));
        });
        r.post("/api/v1/routes/rebalance", ctx -> ctx.json(Map.of("moves", cluster.rebalance())));

        r.get("/api/v1/nodes", ctx -> ctx.json(cluster.nodes().stream().map(s -> {
            Map<String, Object> n = new LinkedHashMap<>();
            n.put("name", s.node().name());
            n.put("roles", s.node().roles());
            n.put("address", s.node().address());
            n.put("state", !s.alive() ? "down" : s.node().draining() ? "draining" : "up");
            n.put("heartbeat", s.node().heartbeat().toString());
            n.put("letters", s.keys());
            n.put("accounts", s.accounts());
            return n;
        }).toList()));
        r.get("/api/v1/database", ctx -> ctx.json(storage.databaseMembers().stream().map(m -> Map.of(
                "name", m.name(), "address", m.address(), "role", m.role(), "state", m.state(), "lag_bytes", m.lagBytes())).toList()));
        r.post("/api/v1/stores", ctx -> {
            cluster.addStore(field(ctx, "name"), field(ctx, "address"));
            ctx.status(201).json(Map.of("name", field(ctx, "name")));
        });
        r.post("/api/v1/stores/{name}/drain", ctx -> ctx.json(Map.of("moves", cluster.drain(ctx.pathParam("name")))));
        r.post("/api/v1/stores/{name}/undrain", ctx -> {
            cluster.undrain(ctx.pathParam("name"));
            ctx.status(204);
        });

        r.get("/api/v1/queue", ctx -> ctx.json(storage.queue().list().stream().map(e -> Map.of(
                "id", e.id(), "sender", e.sender(), "queued", e.createdAt().toString(),
                "recipients", e.recipients().stream().map(rc -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("address", rc.address());
                    m.put("state", rc.state().name());
                    m.put("attempts", rc.attempts());
                    m.put("nextAttempt", rc.nextAttempt().toString());
                    m.put("lastError", rc.lastError());
                    return m;
                }).toList())).toList()));
        r.post("/api/v1/queue/{id}/retry", ctx -> {
            if (!storage.queue().retryNow(id(ctx), Instant.now())) throw new NotFoundResponse("no queued message " + ctx.pathParam("id") + " with recipients pending");
            ctx.status(204);
        });
        r.delete("/api/v1/queue/{id}", ctx -> {
            if (!storage.queue().delete(id(ctx))) throw new NotFoundResponse("no queued message " + ctx.pathParam("id"));
            ctx.status(204);
        });

        // Login throttling (mailroom.core.security): the client networks blocked now, cluster-wide, and lifting a block.
        r.get("/api/v1/security/blocked", ctx -> ctx.json(accounts.security().logins().blocks().stream().map(b -> Map.of(
                "network", b.network(), "since", b.since().toString(), "until", b.until().toString(), "failures", b.failures(),
                "lastLogin", b.lastLogin(), "lastProtocol", b.lastProtocol())).toList()));
        r.delete("/api/v1/security/blocked/{address}", ctx -> { // an IPv6 /64 by any of its addresses
            if (!accounts.security().logins().unblock(ctx.pathParam("address"))) throw new NotFoundResponse("no block or failures for " + ctx.pathParam("address"));
            ctx.status(204);
        });

        r.get("/api/v1/audit", ctx -> ctx.json(directory.auditLog(positive(ctx.queryParam("limit"), 100)).stream()
                .map(a -> Map.of("at", a.at().toString(), "actor", a.actor(), "action", a.action(), "detail", a.detail())).toList()));
        r.get("/api/v1/openapi.json", ctx -> ctx.contentType("application/json").result(getClass().getResourceAsStream("/admin/openapi.json")));
    }

    private Map<String, Object> describe(Account a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("address", a.address());
        m.put("quotaBytes", a.quotaBytes());
        m.put("usedBytes", accounts.usage(a));
        m.put("admin", a.admin());
        return m;
    }

    private static Map<String, String> dkim(Directory.DkimKey key) {
        String[] record = mailroom.smtp.Dkim.dnsRecord(key);
        return Map.of("domain", key.domain(), "selector", key.selector(), "name", record[0], "txt", record[1]);
    }

    private Account account(Context ctx) {
        String address = ctx.pathParam("address");
        return accounts.find(address).orElseThrow(() -> new NotFoundResponse("no account " + address));
    }

    /** A positive number from a query parameter, or {@code otherwise} when it is absent. */
    private static int positive(String text, int otherwise) {
        if (text == null) return otherwise;
        try {
            int n = Integer.parseInt(text);
            if (n > 0) return n;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("limit must be a positive number, not " + text);
    }

    private static long id(Context ctx) {
        try {
            return Long.parseLong(ctx.pathParam("id"));
        } catch (NumberFormatException e) {
            throw new BadRequestResponse("not a queue id: " + ctx.pathParam("id"));
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> body(Context ctx) {
        Object parsed = ctx.bodyAsClass(Object.class);
        if (!(parsed instanceof Map<?, ?> map)) throw new IllegalArgumentException("the body must be a JSON object");
        return (Map<String, Object>) map;
    }

    private static String field(Context ctx, String name) {
        return text(body(ctx), name);
    }

    private static String text(Map<String, Object> body, String name) {
        if (!(body.get(name) instanceof String s) || s.isBlank()) throw new IllegalArgumentException("\"" + name + "\" (a string) is required");
        return s;
    }

    private static String optional(Context ctx, String name, String otherwise) {
        if (ctx.body().isBlank()) return otherwise;
        Object value = body(ctx).get(name);
        return value instanceof String s && !s.isBlank() ? s : otherwise;
    }

    private static long number(Context ctx, String name) {
        if (!(body(ctx).get(name) instanceof Number n)) throw new IllegalArgumentException("\"" + name + "\" (a number) is required");
        return n.longValue();
    }

    private static boolean bool(Context ctx, String name) {
        if (!(body(ctx).get(name) instanceof Boolean b)) throw new IllegalArgumentException("\"" + name + "\" (true or false) is required");
        return b;
    }

    private static List<String> list(Context ctx, String name) {
        if (!(body(ctx).get(name) instanceof List<?> l) || !l.stream().allMatch(String.class::isInstance)) {
            throw new IllegalArgumentException("\"" + name + "\" (a list of strings) is required");
        }
        return l.stream().map(String.class::cast).toList();
    }

    @Override
    public void close() {
        app.stop();
    }
}
