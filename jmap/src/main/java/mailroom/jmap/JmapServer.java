package mailroom.jmap;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import mailroom.core.config.Config;
import mailroom.core.security.LoginBlocked;
import mailroom.jmap.core.Access;
import mailroom.jmap.core.AccountAccess;
import mailroom.jmap.push.WebSocketChannel;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Dispatcher;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.Limits;
import mailroom.jmap.core.MethodError;
import mailroom.jmap.core.MethodTable;
import mailroom.jmap.core.Principal;
import mailroom.jmap.core.Problem;
import mailroom.jmap.core.Request;
import mailroom.jmap.core.Scope;
import mailroom.jmap.mail.Blobs;
import mailroom.jmap.mail.EmailMethods;
import mailroom.jmap.mail.EmailQuery;
import mailroom.jmap.mail.IdentityMethods;
import mailroom.jmap.mail.MailContext;
import mailroom.jmap.mail.MailboxMethods;
import mailroom.jmap.mail.SubmissionMethods;
import mailroom.jmap.mail.VacationMethods;
import mailroom.jmap.push.EventSourcePush;
import mailroom.jmap.push.StateChanges;
import mailroom.jmap.sharing.PrincipalIds;
import mailroom.jmap.sharing.PrincipalMethods;
import mailroom.jmap.sharing.ShareNotificationMethods;
import mailroom.jmap.sharing.SharedAccounts;
import mailroom.sieve.AccountRules;
import mailroom.storage.Accounts;
import mailroom.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * JMAP over HTTPS on the store role (2443): the session resource at /.well-known/jmap, the API at
 * /jmap/api, blob upload and download, EventSource push, and /jmap/token for bearer tokens. This
 * class is only the HTTP side; the protocol is in {@code core}, the methods in {@code mail}.
 */
public final class JmapServer implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(JmapServer.class);
    private static final String JSON = "application/json; charset=utf-8";

    private final Javalin app;
    private final Authenticator auth;
    private final Limits limits;
    private final Dispatcher dispatcher;
    private final Blobs blobs;
    private final EventSourcePush push;
    private final int maxPushConnections;
    private final Map<String, AtomicInteger> busy = new ConcurrentHashMap<>();
    private final mailroom.core.event.EventBus events;
    private final StateChanges states;
    private final long maxSizeRequest;
    private final SharedAccounts access;
    private final MailContext mail;

    public JmapServer(Config config, SSLContext tls, Storage storage, Accounts accounts) {
        this.auth = new Authenticator(accounts);
        MethodTable table = new MethodTable();
        table.add("Core/echo", Capability.CORE, Access.NONE, (args, call) -> args);
        var mail = new MailContext(storage, Limits.of(config.jmap, Set.of()), config.hostname());
        this.blobs = new Blobs(mail);
        this.access = new SharedAccounts(storage);
        this.mail = mail;
        var emails = new EmailMethods(mail, blobs, access);
        new MailboxMethods(mail).register(table);
        emails.register(table);
        new EmailQuery(mail, emails).register(table);
        var identities = new IdentityMethods(mail);
        identities.register(table);
        new SubmissionMethods(mail, blobs, table, identities).register(table);
        new VacationMethods(new AccountRules(storage)).register(table);
        new PrincipalMethods(storage).register(table);
        new ShareNotificationMethods(storage).register(table);
        // The capabilities offered are the table's, never a list kept by hand, and the WebSocket
        // transport's, which has no methods but may be named in "using".
        var capabilities = new java.util.TreeSet<>(table.capabilities());
        capabilities.add(Capability.WEBSOCKET);
        this.limits = Limits.of(config.jmap, capabilities);
        this.events = storage.events();
        this.states = new StateChanges(mail, access);
        this.dispatcher = new Dispatcher(table, access, e -> storage.writable()
                ? new MethodError("serverFail", "the server failed: " + e.getClass().getSimpleName())
                : new MethodError("serverUnavailable", "the database is not reachable now; try again shortly"));
        this.push = new EventSourcePush(storage.events(), states);
        this.maxPushConnections = config.jmap.maxPushConnections;
        this.maxSizeRequest = config.jmap.maxSizeRequest;
        this.app = Javalin.create(c -> {
            c.jetty.host = config.node.bind;
            c.jetty.port = config.jmap.port;
            c.http.maxRequestSize = Math.max(config.jmap.maxSizeRequest, config.jmap.maxSizeUpload) + 1;
            c.http.compressionStrategy = io.javalin.compression.CompressionStrategy.NONE;
            c.concurrency.useVirtualThreads = true;
            if (tls != null) c.jetty.modifyServer(server -> {
                var factory = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
                factory.setSslContext(tls);
                factory.setIncludeProtocols(mailroom.core.net.TlsContexts.PROTOCOLS.toArray(String[]::new));
                var https = new org.eclipse.jetty.server.ServerConnector(server, factory);
                https.setHost(config.node.bind);
                https.setPort(config.jmap.port);
                https.setIdleTimeout(300_000); // push streams ping well within this
                server.setConnectors(new org.eclipse.jetty.server.Connector[] {https});
            });
            c.jetty.modifyWebSocketServletFactory(ws -> {
                // a Request may be as large over the socket as over HTTP (RFC 8887 section 4.2)
                ws.setMaxTextMessageSize(Math.min(Integer.MAX_VALUE, config.jmap.maxSizeRequest + 1));
                ws.setIdleTimeout(java.time.Duration.ofMinutes(5));
            });
            c.startup.showJavalinBanner = false;
            c.routes.get("/.well-known/jmap", this::session);
            c.routes.post("/jmap/api", this::api);
            c.routes.post("/jmap/upload/{accountId}", this::upload);
            c.routes.post("/jmap/upload/{accountId}/", this::upload);
            c.routes.get("/jmap/download/{accountId}/{blobId}/{name}", this::download);
            c.routes.get("/jmap/eventsource", this::eventSource);
            c.routes.get("/jmap/eventsource/", this::eventSource);
            c.routes.post("/jmap/token", this::token);
            c.routes.wsBeforeUpgrade("/jmap/ws", this::beforeUpgrade);
            c.routes.ws("/jmap/ws", this::webSocket);
        }).start();
    }

    public int port() {
        return app.port();
    }

    /** Authenticates the request, or answers 401 / 429 and returns null. */
    private Principal principal(Context ctx, boolean allowBearer) {
        try {
            return auth.authenticate(ctx.header("Authorization"), ctx.req().getRemoteAddr(), allowBearer);
        } catch (LoginBlocked e) {
            ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
            ctx.status(429).contentType(JSON).result(Json.object().put("type", "about:blank").put("status", 429).put("detail", e.getMessage()).toString());
        } catch (Authenticator.Unauthorized e) {
            ctx.header("WWW-Authenticate", "Basic realm=\"jmap\", charset=\"UTF-8\"");
            ctx.status(401).contentType(JSON).result(Json.object().put("type", "about:blank").put("status", 401).put("detail", e.getMessage()).toString());
        }
        return null;
    }

    private String base(Context ctx) {
        return "https://" + ctx.host();
    }

    private void session(Context ctx) {
        Principal p = principal(ctx, true);
        if (p == null) return;
        ObjectNode s = Json.object();
        ObjectNode caps = s.putObject("capabilities");
        caps.set(Capability.CORE, limits.toJson());
        caps.putObject(Capability.MAIL);
        caps.putObject(Capability.SUBMISSION);
        caps.putObject(Capability.VACATION);
        caps.putObject(Capability.PRINCIPALS);
        // RFC 8887 section 4: the same API and push over one WebSocket
        caps.putObject(Capability.WEBSOCKET).put("url", "wss://" + ctx.host() + "/jmap/ws").put("supportsPush", true);
        ObjectNode account = s.putObject("accounts").putObject(p.accountId());
        account.put("name", p.account().address()).put("isPersonal", true).put("isReadOnly", !p.scope().mayWrite());
        ObjectNode accountCaps = account.putObject("accountCapabilities");
        for (String c : p.accountCapabilities()) {
            switch (c) {
                case Capability.MAIL -> accountCaps.putObject(c).putNull("maxMailboxesPerEmail").put("maxMailboxDepth", 10)
                        .put("maxSizeMailboxName", 200).put("maxSizeAttachmentsPerEmail", limits.maxSizeUpload())
                        .put("mayCreateTopLevelMailbox", true).set("emailQuerySortOptions", Json.array(java.util.List.of("receivedAt", "size", "subject", "from", "to", "sentAt", "hasKeyword")));
                case Capability.SUBMISSION -> accountCaps.putObject(c).put("maxDelayedSend", SubmissionMethods.MAX_DELAY_SECONDS)
                        .putObject("submissionExtensions").set("FUTURERELEASE", Json.array(java.util.List.of(Long.toString(SubmissionMethods.MAX_DELAY_SECONDS))));
                case Capability.PRINCIPALS -> accountCaps.putObject(c).put("currentUserPrincipalId", PrincipalIds.of(p.account()));
                default -> accountCaps.putObject(c);
            }
        }
        accountCaps.set(Capability.PRINCIPALS_OWNER, owner(p, p.account()));
        // RFC 9670 section 1.3: every account that shares a mailbox with the login, with Mail only
        ObjectNode accounts = (ObjectNode) s.get("accounts");
        for (var other : access.others(p.account())) {
            ObjectNode o = accounts.putObject("a" + other.owner().id()).put("name", other.owner().address()).put("isPersonal", false)
                    .put("isReadOnly", other.readOnly() || !p.scope().mayWrite());
            ObjectNode c = o.putObject("accountCapabilities");
            c.putObject(Capability.MAIL).putNull("maxMailboxesPerEmail").put("maxMailboxDepth", 10).put("maxSizeMailboxName", 200)
                    .put("maxSizeAttachmentsPerEmail", limits.maxSizeUpload()).put("mayCreateTopLevelMailbox", false)
                    .set("emailQuerySortOptions", Json.array(java.util.List.of("receivedAt", "size", "subject", "from", "to", "sentAt", "hasKeyword")));
            c.set(Capability.PRINCIPALS_OWNER, owner(p, other.owner()));
        }
        ObjectNode primary = s.putObject("primaryAccounts");
        for (String c : p.accountCapabilities()) primary.put(c, p.accountId());
        s.put("username", p.account().address());
        s.put("apiUrl", base(ctx) + "/jmap/api");
        s.put("downloadUrl", base(ctx) + "/jmap/download/{accountId}/{blobId}/{name}?accept={type}");
        s.put("uploadUrl", base(ctx) + "/jmap/upload/{accountId}/");
        s.put("eventSourceUrl", base(ctx) + "/jmap/eventsource/?types={types}&closeafter={closeafter}&ping={ping}");
        s.put("state", sessionState(p));
        ctx.contentType(JSON).header("Cache-Control", "no-cache, no-store").result(s.toString());
    }

    /** RFC 9670 section 2.2: the principal that owns an account, found among the login's own account's principals. */
    private static ObjectNode owner(Principal p, mailroom.storage.Account owner) {
        return Json.object().put("accountIdForPrincipal", p.accountId()).put("principalId", PrincipalIds.of(owner));
    }

    /**
     * Changes only when what the session resource shows changes: the account, the login's scope,
     * and the other accounts it reaches.
     */
    private String sessionState(Principal p) {
        StringBuilder shown = new StringBuilder(p.accountId() + "/" + p.account().address() + "/" + p.scope());
        for (var other : access.others(p.account())) shown.append('/').append(other.owner().id()).append(other.readOnly() ? "r" : "w");
        return Integer.toHexString(shown.toString().hashCode());
    }

    private void problem(Context ctx, Problem problem) {
        ctx.status(problem.status()).contentType("application/problem+json").result(problem.toJson().toString());
    }

    private void api(Context ctx) throws IOException {
        Principal p = principal(ctx, true);
        if (p == null) return;
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(java.util.Locale.ROOT);
        if (!type.startsWith("application/json")) {
            problem(ctx, Problem.notJson("the content type must be application/json"));
            return;
        }
        try (var slot = slot("api/" + p.account().id(), limits.maxConcurrentRequests())) {
            if (slot == null) throw Problem.limit("maxConcurrentRequests", "at most " + limits.maxConcurrentRequests() + " requests at once");
            byte[] body = read(ctx.bodyInputStream(), limits.maxSizeRequest());
            Request request = Request.parse(body, limits);
            ObjectNode response = dispatcher.run(request, p, sessionState(p));
            ctx.contentType(JSON).result(Json.MAPPER.writeValueAsBytes(response));
        } catch (Problem e) {
            problem(ctx, e);
        }
    }

    /** At most {@code max} + 1 bytes: one more than allowed shows the body is too large without reading it all. */
    private static byte[] read(InputStream in, long max) throws IOException {
        return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
    }

    /** A permit of a per-account counter, or null when all are taken (no waiting: the limit is answered at once). */
    private interface Slot extends AutoCloseable {
        @Override
        void close();
    }

    private Slot slot(String key, int max) {
        AtomicInteger n = busy.computeIfAbsent(key, k -> new AtomicInteger());
        if (n.incrementAndGet() > max) {
            n.decrementAndGet();
            return null;
        }
        return () -> n.decrementAndGet();
    }

    private void upload(Context ctx) throws Exception {
        Principal p = principal(ctx, true);
        if (p == null) return;
        long target = AccountAccess.storageId(ctx.pathParam("accountId"));
        if (target < 0 || !access.mayRead(p, target)) {
            ctx.status(404).contentType("application/problem+json").result(Json.object().put("type", "about:blank").put("status", 404)
                    .put("detail", "no account " + ctx.pathParam("accountId")).toString());
            return;
        }
        if (!p.scope().mayWrite() || !access.mayWrite(p, target)) {
            ctx.status(403).contentType("application/problem+json").result(Json.object().put("type", "about:blank").put("status", 403)
                    .put("detail", "this login may only read").toString());
            return;
        }
        try (var slot = slot("upload/" + p.account().id(), limits.maxConcurrentUpload())) {
            if (slot == null) throw Problem.limit("maxConcurrentUpload", "at most " + limits.maxConcurrentUpload() + " uploads at once");
            String type = ctx.contentType() == null ? "application/octet-stream" : ctx.contentType();
            var uploaded = blobs.upload(target, ctx.bodyInputStream(), type, limits.maxSizeUpload());
            ctx.status(201).contentType(JSON).result(Json.object().put("accountId", "a" + target).put("blobId", uploaded.blobId())
                    .put("type", uploaded.type()).put("size", uploaded.size()).toString());
        } catch (Blobs.TooLarge e) {
            problem(ctx, Problem.limit("maxSizeUpload", "at most " + limits.maxSizeUpload() + " bytes in one upload"));
            ctx.status(413);
        } catch (Problem e) {
            problem(ctx, e);
        }
    }

    private void download(Context ctx) {
        Principal p = principal(ctx, true);
        if (p == null) return;
        long account = AccountAccess.storageId(ctx.pathParam("accountId"));
        var blob = account >= 0 && access.mayRead(p, account) ? blobs.find(mail.reach(p.account(), account), ctx.pathParam("blobId")) : java.util.Optional.<Blobs.Blob>empty();
        if (blob.isEmpty()) {
            ctx.status(404).contentType("application/problem+json").result(Json.object().put("type", "about:blank").put("status", 404).put("detail", "no such blob").toString());
            return;
        }
        String accept = ctx.queryParam("accept");
        String type = accept != null && accept.matches("[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+(;.*)?") ? accept : blob.get().type();
        String name = ctx.pathParam("name");
        ctx.contentType(type).header("Cache-Control", "private, immutable, max-age=31536000")
                .header("Content-Disposition", "attachment; filename*=UTF-8''" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
                .result(blob.get().bytes());
    }

    private void eventSource(Context ctx) throws IOException {
        Principal p = principal(ctx, true);
        if (p == null) return;
        String typesParam = ctx.queryParam("types");
        Set<String> types = typesParam == null || typesParam.isBlank() || typesParam.equals("*") ? Set.of("*")
                : Arrays.stream(typesParam.split(",")).map(String::strip).collect(Collectors.toSet());
        boolean closeAfter = "state".equals(ctx.queryParam("closeafter"));
        int ping;
        try {
            ping = ctx.queryParam("ping") == null ? 0 : Integer.parseInt(ctx.queryParam("ping"));
        } catch (NumberFormatException e) {
            ctx.status(400).result("ping is a number of seconds");
            return;
        }
        if (ping > 0) ping = Math.max(ping, 5); // a floor, so a client cannot make the server chatter (RFC 8620 section 7.3)
        try (var slot = slot("push/" + p.account().id(), maxPushConnections)) {
            if (slot == null) {
                ctx.status(429).result("at most " + maxPushConnections + " push connections per account");
                return;
            }
            var res = ctx.res();
            res.setStatus(200);
            res.setContentType("text/event-stream; charset=utf-8");
            res.setHeader("Cache-Control", "no-cache");
            var out = res.getOutputStream();
            out.flush();
            push.stream(p, new EventSourcePush.Options(types, closeAfter, ping), out);
        } catch (IOException e) {
            log.debug("push stream for {} ended: {}", p.account().address(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static final String PRINCIPAL = "jmap.principal";

    /**
     * The WebSocket upgrade (RFC 8887 section 4.1) is authenticated as any other request, and a
     * refused one never becomes a socket: 401, or 429 with Retry-After from the login gate. The
     * client must offer the "jmap" subprotocol, which the server then selects.
     */
    private void beforeUpgrade(Context ctx) {
        String offered = java.util.Objects.requireNonNullElse(ctx.header("Sec-WebSocket-Protocol"), "");
        if (Arrays.stream(offered.split(",")).map(String::strip).noneMatch("jmap"::equals)) {
            throw new io.javalin.http.HttpResponseException(400, "the WebSocket subprotocol must be jmap (RFC 8887 section 4.1)");
        }
        Principal p = principal(ctx, true);
        if (p == null) throw new io.javalin.http.HttpResponseException(ctx.statusCode(), ctx.result() == null ? "" : ctx.result());
        ctx.attribute(PRINCIPAL, p);
        ctx.header("Sec-WebSocket-Protocol", "jmap");
    }

    private void webSocket(io.javalin.websocket.WsConfig ws) {
        Map<String, WebSocketChannel> channels = new ConcurrentHashMap<>();
        ws.onConnect(ctx -> {
            Principal p = ctx.attribute(PRINCIPAL);
            ctx.enableAutomaticPings(60, java.util.concurrent.TimeUnit.SECONDS);
            channels.put(ctx.sessionId(), new WebSocketChannel(p, limits, (request, who) -> dispatcher.run(request, who, sessionState(who)),
                    events, states, ctx::send));
        });
        ws.onMessage(ctx -> {
            var channel = channels.get(ctx.sessionId());
            if (channel != null) channel.receive(ctx.message());
        });
        ws.onClose(ctx -> {
            var channel = channels.remove(ctx.sessionId());
            if (channel != null) channel.close();
        });
        ws.onError(ctx -> {
            var channel = channels.remove(ctx.sessionId());
            if (channel != null) channel.close();
        });
    }

    /** POST /jmap/token?scope=full|mail|read with the password (Basic): a bearer token for that scope. */
    private void token(Context ctx) {
        Principal p = principal(ctx, false);
        if (p == null) return;
        Scope scope;
        try {
            scope = Scope.valueOf(java.util.Objects.requireNonNullElse(ctx.queryParam("scope"), "full").toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            ctx.status(400).contentType(JSON).result(Json.object().put("type", "about:blank").put("status", 400).put("detail", "scope is full, mail or read").toString());
            return;
        }
        ctx.contentType(JSON).header("Cache-Control", "no-store")
                .result(Json.object().put("token", Authenticator.token(p.account(), scope)).put("scope", scope.name().toLowerCase(java.util.Locale.ROOT)).toString());
    }

    @Override
    public void close() {
        app.stop();
    }
}
