package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.core.mail.EmailAddress;
import mailroom.jmap.core.Access;
import mailroom.jmap.core.Call;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodError;
import mailroom.jmap.core.MethodTable;
import mailroom.storage.Account;
import mailroom.storage.Queue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * EmailSubmission/get and /set (RFC 8621 section 7): a submission puts the Email's bytes (without
 * its Bcc field) on the sorters' durable queue, as SMTP submission does, and the sorters deliver
 * it. A submission's id is "s" and its queue entry's; /get finds it while it is on the queue.
 * Delayed sending is FUTURERELEASE (RFC 4865), as RFC 8621 section 7 has it: HOLDFOR or HOLDUNTIL
 * among the envelope's mailFrom parameters make the queue entry not due before sendAt. Until then
 * its undoStatus is "pending" and an update to "canceled" calls it back (Queue.cancel, which never
 * races a sorter); once due it is "final". A canceled submission is gone from the queue, so a later
 * /get reports it notFound.
 */
public final class SubmissionMethods {
    /** The longest delay FUTURERELEASE may ask for (the session's maxDelayedSend). */
    public static final long MAX_DELAY_SECONDS = 30L * 24 * 3600;

    private final MailContext mail;
    private final Blobs blobs;
    private final MethodTable table;
    private final IdentityMethods identities;

    public SubmissionMethods(MailContext mail, Blobs blobs, MethodTable table, IdentityMethods identities) {
        this.mail = mail;
        this.blobs = blobs;
        this.table = table;
        this.identities = identities;
    }

    public void register(MethodTable table) {
        table.add("EmailSubmission/get", Capability.SUBMISSION, Access.READ, this::get)
                .add("EmailSubmission/changes", Capability.SUBMISSION, Access.READ, (a, c) -> {
                    throw MethodError.cannotCalculateChanges("submissions are not kept once sent: get them again");
                })
                .add("EmailSubmission/set", Capability.SUBMISSION, Access.SEND, this::set);
    }

    private static final String STATE = "0";

    private ObjectNode get(ObjectNode args, Call call) {
        List<String> ids = Standard.ids(args, "ids", mail.limits().maxObjectsInGet());
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        for (String id : ids == null ? List.<String>of() : ids) {
            Optional<Queue.Entry> e = id.matches("s[0-9]{1,18}") ? mail.storage().queue().entry(Long.parseLong(id.substring(1))) : Optional.empty();
            if (e.isPresent() && SendAs.allowed(mail, call.principal().account(), e.get().sender())) {
                list.add(Json.object().put("id", id).put("identityId", IdentityMethods.id(call)).put("undoStatus", undoStatus(e.get()))
                        .put("sendAt", e.get().createdAt().toString()).set("envelope", envelope(e.get().envelope())));
            } else {
                notFound.add(id);
            }
        }
        return Standard.getResponse(call.jmapAccountId(), STATE, list, notFound);
    }

    /** A delayed entry is queued with its sendAt as creation time and is not due before it. */
    private static String undoStatus(Queue.Entry e) {
        return e.createdAt().isAfter(Instant.now()) ? "pending" : "final";
    }

    private static ObjectNode envelope(Queue.Envelope e) {
        ObjectNode o = Json.object();
        o.putObject("mailFrom").put("email", e.sender()).putNull("parameters");
        ArrayNode to = o.putArray("rcptTo");
        e.recipients().forEach(r -> to.add(Json.object().put("email", r.address()).putNull("parameters")));
        return o;
    }

    private ObjectNode set(ObjectNode args, Call call) {
        Standard.checkSetSize(args, mail.limits().maxObjectsInSet());
        Standard.ifInState(args, STATE);
        var out = new Standard.SetResponse();
        Map<String, String> emailOf = new HashMap<>(); // submission id -> email id, for onSuccess*
        Map<String, String> createdAs = new HashMap<>();
        for (var e : Standard.map(args, "create").entrySet()) {
            try {
                String emailId = call.resolve(e.getValue().path("emailId").asText(""));
                Instant sendAt = sendAt(e.getValue().path("envelope").path("mailFrom").path("parameters"));
                long queueId = submit(call, e.getValue(), emailId, sendAt);
                String id = "s" + queueId;
                call.created(e.getKey(), id);
                createdAs.put(e.getKey(), id);
                emailOf.put(id, emailId);
                out.created.set(e.getKey(), Json.object().put("id", id).put("undoStatus", sendAt.isAfter(Instant.now()) ? "pending" : "final")
                        .put("sendAt", sendAt.toString()));
            } catch (Standard.Refused r) {
                out.notCreated.set(e.getKey(), r.error.toJson());
            }
        }
        for (var e : Standard.map(args, "update").entrySet()) {
            try {
                cancel(call, call.resolve(e.getKey()), e.getValue());
                out.updated.set(e.getKey(), null);
            } catch (Standard.Refused r) {
                out.notUpdated.set(e.getKey(), r.error.toJson());
            }
        }
        for (String id : Standard.destroyList(args)) out.notDestroyed.set(id, new Standard.SetError("forbidden", "submissions are not kept").toJson());
        ObjectNode response = out.toJson(call.jmapAccountId(), STATE, STATE);
        onSuccess(args, call, createdAs, emailOf);
        return response;
    }

    /** RFC 8621 section 7.5: an implicit Email/set after this response for the submissions that succeeded. */
    private void onSuccess(ObjectNode args, Call call, Map<String, String> createdAs, Map<String, String> emailOf) {
        ObjectNode update = Json.object();
        for (var e : Standard.map(args, "onSuccessUpdateEmail").entrySet()) {
            String key = e.getKey().startsWith("#") ? createdAs.get(e.getKey().substring(1)) : e.getKey();
            if (key != null && emailOf.containsKey(key)) update.set(emailOf.get(key), e.getValue());
        }
        ArrayNode destroy = Json.array();
        JsonNode d = args.path("onSuccessDestroyEmail");
        for (JsonNode n : d) {
            String key = n.asText().startsWith("#") ? createdAs.get(n.asText().substring(1)) : n.asText();
            if (key != null && emailOf.containsKey(key)) destroy.add(emailOf.get(key));
        }
        if (update.isEmpty() && destroy.isEmpty()) return;
        ObjectNode setArgs = Json.object().put("accountId", call.jmapAccountId());
        if (!update.isEmpty()) setArgs.set("update", update);
        if (!destroy.isEmpty()) setArgs.set("destroy", destroy);
        call.also("Email/set", call.invoke(table, "Email/set", setArgs));
    }

    /**
     * RFC 4865 section 3 in JMAP's envelope: HOLDFOR (seconds) or HOLDUNTIL (an RFC 3339 time) put
     * the release later; now when neither is given. More than {@link #MAX_DELAY_SECONDS} ahead is refused.
     */
    static Instant sendAt(JsonNode parameters) {
        Instant now = Instant.now();
        Instant at = now;
        if (parameters.hasNonNull("HOLDFOR") && parameters.hasNonNull("HOLDUNTIL")) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "HOLDFOR and HOLDUNTIL exclude each other", List.of("envelope")));
        }
        try {
            if (parameters.hasNonNull("HOLDFOR")) at = now.plusSeconds(Long.parseLong(parameters.get("HOLDFOR").asText()));
            if (parameters.hasNonNull("HOLDUNTIL")) at = java.time.OffsetDateTime.parse(parameters.get("HOLDUNTIL").asText()).toInstant();
        } catch (RuntimeException e) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "HOLDFOR is seconds, HOLDUNTIL a date-time (RFC 4865)", List.of("envelope")));
        }
        if (at.isBefore(now)) at = now;
        at = at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS); // as the queue keeps it
        if (at.isAfter(now.plusSeconds(MAX_DELAY_SECONDS))) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "at most " + MAX_DELAY_SECONDS + " seconds ahead (maxDelayedSend)", List.of("envelope")));
        }
        return at;
    }

    /** The one change a submission takes (RFC 8621 section 7.5): undoStatus to "canceled" while it is pending. */
    private void cancel(Call call, String id, JsonNode patch) {
        if (!patch.isObject() || patch.size() != 1 || !"canceled".equals(patch.path("undoStatus").asText())) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "only undoStatus may be changed, and only to \"canceled\"", List.of("undoStatus")));
        }
        Optional<Queue.Entry> e = id.matches("s[0-9]{1,18}") ? mail.storage().queue().entry(Long.parseLong(id.substring(1))) : Optional.empty();
        if (e.isEmpty() || !SendAs.allowed(mail, call.principal().account(), e.get().sender())) throw new Standard.Refused("notFound", "no submission " + id);
        Instant now = Instant.now();
        if (!e.get().createdAt().isAfter(now) || !mail.storage().queue().cancel(e.get().id(), now)) {
            throw new Standard.Refused("cannotUnsend", "the message has already been released for delivery");
        }
    }

    private long submit(Call call, JsonNode spec, String emailId, Instant sendAt) {
        Account account = call.principal().account();
        String identityEmail = identities.email(call, spec.path("identityId").asText())
                .orElseThrow(() -> new Standard.Refused(new Standard.SetError("invalidProperties", "no identity " + spec.path("identityId").asText(), List.of("identityId"))));
        Reach reach = mail.reach(call);
        var ref = Ids.parse(emailId, 'e').flatMap(r -> blobs.message(reach, r.mailboxId(), r.uid()))
                .orElseThrow(() -> new Standard.Refused(new Standard.SetError("invalidProperties", "no Email " + emailId, List.of("emailId"))));
        byte[] bytes;
        try {
            bytes = mail.storage().blobs().read(ref.summary().blobId());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Content content = new Content(bytes);
        JsonNode envelope = spec.get("envelope");
        String mailFrom = envelope != null && envelope.isObject() ? envelope.path("mailFrom").path("email").asText() : identityEmail;
        if (!owns(account, mailFrom)) throw new Standard.Refused("forbiddenMailFrom", mailFrom + " is not an address of " + account.address());
        Optional<Account> onBehalfOf = Optional.empty();
        for (JsonNode from : content.header(ref.parsed().root(), "header:From:asAddresses")) {
            String address = from.path("email").asText();
            if (!owns(account, address)) throw new Standard.Refused("forbiddenFrom", "the From address " + address + " is not yours");
            onBehalfOf = onBehalfOf.or(() -> SendAs.delegator(mail, account, address));
        }
        Set<String> rcpts = new LinkedHashSet<>();
        if (envelope != null && envelope.isObject()) envelope.path("rcptTo").forEach(r -> rcpts.add(r.path("email").asText()));
        else for (String f : List.of("To", "Cc", "Bcc")) content.header(ref.parsed().root(), "header:" + f + ":asAddresses:all")
                .forEach(list -> list.forEach(a -> rcpts.add(a.path("email").asText())));
        if (rcpts.isEmpty()) throw new Standard.Refused("noRecipients", "the Email has no recipients");
        List<String> targets = new ArrayList<>();
        for (String r : rcpts) targets.addAll(expand(r));
        String blobId;
        byte[] sent = withoutBcc(content, ref.parsed().root().bodyStart());
        // Sent on behalf of another account: the person who sent it is named (RFC 5322 section 3.6.2), as SMTP submission does.
        if (onBehalfOf.isPresent() && content.header(ref.parsed().root(), "header:Sender").isNull()) {
            sent = Composer.concat(("Sender: " + account.address() + "\r\n").getBytes(StandardCharsets.UTF_8), sent);
        }
        try (var w = mail.storage().blobs().create()) {
            w.stream().write(sent);
            blobId = w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // A delayed entry is created at its sendAt: not due before, and its retry period counts from then.
        long queued = mail.storage().queue().enqueue(Queue.Envelope.of(mailFrom, targets), blobId, sendAt);
        // The client files its copy in its own account; the account it wrote for gets one in its Sent, as with SMTP.
        if (onBehalfOf.isPresent()) {
            mail.store().deliver(new mailroom.storage.Delivery(blobId, Instant.now(), mailroom.core.mime.MessageParser.parse(sent)),
                    List.of(new mailroom.storage.Delivery.Target(onBehalfOf.get().id(), "Sent", Set.of("\\Seen"))));
        }
        return queued;
    }

    /** RFC 8621 section 7: the Bcc field is not sent. */
    private static byte[] withoutBcc(Content content, long bodyStart) {
        StringBuilder header = new StringBuilder();
        String text = new String(content.bytes(), 0, (int) bodyStart, StandardCharsets.UTF_8);
        boolean skipping = false;
        for (String line : text.split("(?<=\n)")) {
            boolean continuation = !line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t');
            if (!continuation) skipping = line.regionMatches(true, 0, "Bcc:", 0, 4);
            if (!skipping) header.append(line);
        }
        return Composer.concat(header.toString().getBytes(StandardCharsets.UTF_8),
                java.util.Arrays.copyOfRange(content.bytes(), (int) bodyStart, content.bytes().length));
    }

    private boolean owns(Account account, String address) {
        return SendAs.allowed(mail, account, address);
    }

    /** Local aliases are expanded here, as the submission intake does before queueing. */
    private List<String> expand(String address) {
        var parsed = EmailAddress.parse(address, true);
        if (parsed.isEmpty()) throw new Standard.Refused("invalidRecipients", "not an address: " + address);
        var a = parsed.get();
        if (!mail.storage().directory().isLocalDomain(a.domain())) return List.of(address);
        return mail.storage().directory().alias(a.localPart(), a.domain()).map(x -> x.targets()).orElse(List.of(address));
    }
}
