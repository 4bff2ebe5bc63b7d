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
 * it. A submission's id is "s" and its queue entry's; once queued it cannot be undone
 * (undoStatus "final"), and /get finds it while it is still on the queue.
 */
public final class SubmissionMethods {
    private final MailContext mail;
    private final Blobs blobs;
    private final MethodTable table;

    public SubmissionMethods(MailContext mail, Blobs blobs, MethodTable table) {
        this.mail = mail;
        this.blobs = blobs;
        this.table = table;
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
            if (e.isPresent() && e.get().sender().equalsIgnoreCase(call.principal().account().address())) {
                list.add(Json.object().put("id", id).put("identityId", IdentityMethods.id(call)).put("undoStatus", "final")
                        .put("sendAt", e.get().createdAt().toString()).set("envelope", envelope(e.get().envelope())));
            } else {
                notFound.add(id);
            }
        }
        return Standard.getResponse(call.principal().accountId(), STATE, list, notFound);
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
                long queueId = submit(call, e.getValue(), emailId);
                String id = "s" + queueId;
                call.created(e.getKey(), id);
                createdAs.put(e.getKey(), id);
                emailOf.put(id, emailId);
                out.created.set(e.getKey(), Json.object().put("id", id).put("undoStatus", "final").put("sendAt", Instant.now().toString()));
            } catch (Standard.Refused r) {
                out.notCreated.set(e.getKey(), r.error.toJson());
            }
        }
        for (var e : Standard.map(args, "update").entrySet()) {
            out.notUpdated.set(e.getKey(), new Standard.SetError("cannotUnsend", "a queued message cannot be called back").toJson());
        }
        for (String id : Standard.destroyList(args)) out.notDestroyed.set(id, new Standard.SetError("forbidden", "submissions are not kept").toJson());
        ObjectNode response = out.toJson(call.principal().accountId(), STATE, STATE);
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
        ObjectNode setArgs = Json.object().put("accountId", call.principal().accountId());
        if (!update.isEmpty()) setArgs.set("update", update);
        if (!destroy.isEmpty()) setArgs.set("destroy", destroy);
        call.also("Email/set", call.invoke(table, "Email/set", setArgs));
    }

    private long submit(Call call, JsonNode spec, String emailId) {
        Account account = call.principal().account();
        if (!IdentityMethods.id(call).equals(spec.path("identityId").asText())) {
            throw new Standard.Refused(new Standard.SetError("invalidProperties", "no identity " + spec.path("identityId").asText(), List.of("identityId")));
        }
        var ref = Ids.parse(emailId, 'e').flatMap(r -> blobs.message(account.id(), r.mailboxId(), r.uid()))
                .orElseThrow(() -> new Standard.Refused(new Standard.SetError("invalidProperties", "no Email " + emailId, List.of("emailId"))));
        byte[] bytes;
        try {
            bytes = mail.storage().blobs().read(ref.summary().blobId());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Content content = new Content(bytes);
        JsonNode envelope = spec.get("envelope");
        String mailFrom = envelope != null && envelope.isObject() ? envelope.path("mailFrom").path("email").asText() : account.address();
        if (!owns(account, mailFrom)) throw new Standard.Refused("forbiddenMailFrom", mailFrom + " is not an address of " + account.address());
        for (JsonNode from : content.header(ref.parsed().root(), "header:From:asAddresses")) {
            if (!owns(account, from.path("email").asText())) throw new Standard.Refused("forbiddenFrom", "the From address " + from.path("email").asText() + " is not yours");
        }
        Set<String> rcpts = new LinkedHashSet<>();
        if (envelope != null && envelope.isObject()) envelope.path("rcptTo").forEach(r -> rcpts.add(r.path("email").asText()));
        else for (String f : List.of("To", "Cc", "Bcc")) content.header(ref.parsed().root(), "header:" + f + ":asAddresses:all")
                .forEach(list -> list.forEach(a -> rcpts.add(a.path("email").asText())));
        if (rcpts.isEmpty()) throw new Standard.Refused("noRecipients", "the Email has no recipients");
        List<String> targets = new ArrayList<>();
        for (String r : rcpts) targets.addAll(expand(r));
        String blobId;
        try (var w = mail.storage().blobs().create()) {
            w.stream().write(withoutBcc(content, ref.parsed().root().bodyStart()));
            blobId = w.commit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return mail.storage().queue().enqueue(Queue.Envelope.of(mailFrom, targets), blobId, Instant.now());
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

    /** The account's own address, a +tag of it, or a local alias that leads to it. */
    private boolean owns(Account account, String address) {
        var parsed = EmailAddress.parse(address, true);
        if (parsed.isEmpty()) return false;
        String local = parsed.get().localPart().toLowerCase(Locale.ROOT);
        String domain = parsed.get().domain().toLowerCase(Locale.ROOT);
        int plus = local.indexOf('+');
        String base = plus > 0 ? local.substring(0, plus) : local;
        if (domain.equalsIgnoreCase(account.domain()) && base.equalsIgnoreCase(account.username())) return true;
        return mail.storage().directory().alias(local, domain).map(a -> a.targets().stream().anyMatch(t -> t.equalsIgnoreCase(account.address()))).orElse(false);
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
