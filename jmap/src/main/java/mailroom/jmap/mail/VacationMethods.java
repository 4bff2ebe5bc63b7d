package mailroom.jmap.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import mailroom.jmap.core.Access;
import mailroom.jmap.core.Call;
import mailroom.jmap.core.Capability;
import mailroom.jmap.core.Json;
import mailroom.jmap.core.MethodTable;
import mailroom.sieve.AccountRules;
import mailroom.sieve.OutOfOffice;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * VacationResponse/get and /set (RFC 8621 section 8) as the same out-of-office that Sieve's
 * vacation, the command line and the console set: a generated script that keeps the user's own
 * rules. The out-of-office counts whole days, so fromDate and toDate keep only their date (UTC):
 * fromDate from the start of its day, toDate to the end of its day. Replies go at most once a
 * week to one sender (:days 7).
 */
public final class VacationMethods {
    private static final String ID = "singleton";
    private final AccountRules rules;

    public VacationMethods(AccountRules rules) {
        this.rules = rules;
    }

    public void register(MethodTable table) {
        table.add("VacationResponse/get", Capability.VACATION, Access.READ, this::get)
                .add("VacationResponse/set", Capability.VACATION, Access.SEND, this::set);
    }

    private String state(long account) {
        return Integer.toHexString(rules.vacation(account).map(OutOfOffice::script).orElse("").hashCode());
    }

    private ObjectNode toJson(Optional<OutOfOffice> v) {
        ObjectNode o = Json.object().put("id", ID).put("isEnabled", v.isPresent());
        o.put("fromDate", v.map(OutOfOffice::from).map(d -> d.atStartOfDay().toInstant(ZoneOffset.UTC).toString()).orElse(null));
        o.put("toDate", v.map(OutOfOffice::until).map(d -> d.atTime(23, 59, 59).toInstant(ZoneOffset.UTC).toString()).orElse(null));
        o.put("subject", v.map(OutOfOffice::subject).orElse(null));
        o.put("textBody", v.map(OutOfOffice::body).orElse(null));
        o.putNull("htmlBody");
        return o;
    }

    private ObjectNode get(ObjectNode args, Call call) {
        List<String> ids = Standard.ids(args, "ids", 10);
        ArrayNode list = Json.array();
        List<String> notFound = new ArrayList<>();
        if (ids == null || ids.contains(ID)) list.add(toJson(rules.vacation(call.accountId())));
        if (ids != null) ids.stream().filter(i -> !i.equals(ID)).forEach(notFound::add);
        return Standard.getResponse(call.jmapAccountId(), state(call.accountId()), list, notFound);
    }

    private ObjectNode set(ObjectNode args, Call call) {
        long account = call.accountId();
        String oldState = state(account);
        Standard.ifInState(args, oldState);
        var out = new Standard.SetResponse();
        for (String k : Standard.map(args, "create").keySet()) out.notCreated.set(k, new Standard.SetError("singleton", "there is one VacationResponse").toJson());
        for (String k : Standard.destroyList(args)) out.notDestroyed.set(k, new Standard.SetError("singleton", "there is one VacationResponse").toJson());
        for (var e : Standard.map(args, "update").entrySet()) {
            if (!e.getKey().equals(ID)) {
                out.notUpdated.set(e.getKey(), new Standard.SetError("notFound", "the VacationResponse is \"singleton\"").toJson());
                continue;
            }
            try {
                update(account, e.getValue());
                out.updated.putNull(ID);
            } catch (IllegalArgumentException | java.time.DateTimeException x) {
                out.notUpdated.set(ID, new Standard.SetError("invalidProperties", x.getMessage()).toJson());
            }
        }
        return out.toJson(call.jmapAccountId(), oldState, state(account));
    }

    private void update(long account, JsonNode patch) {
        Optional<OutOfOffice> now = rules.vacation(account);
        boolean enabled = patch.has("isEnabled") ? patch.get("isEnabled").asBoolean() : now.isPresent();
        if (!enabled) {
            if (now.isPresent()) rules.endVacation(account);
            return;
        }
        LocalDate from = patch.has("fromDate") ? date(patch.get("fromDate")) : now.map(OutOfOffice::from).orElse(null);
        LocalDate until = patch.has("toDate") ? date(patch.get("toDate")) : now.map(OutOfOffice::until).orElse(null);
        String subject = patch.has("subject") ? patch.get("subject").asText(null) : now.map(OutOfOffice::subject).orElse(null);
        String body = patch.has("textBody") ? patch.get("textBody").asText(null) : now.map(OutOfOffice::body).orElse(null);
        if (body == null && patch.path("htmlBody").isTextual()) body = patch.get("htmlBody").asText().replaceAll("<[^>]*>", "");
        rules.setVacation(account, new OutOfOffice(from, until, subject, body, 7, null));
    }

    private static LocalDate date(JsonNode n) {
        return n == null || n.isNull() ? null : LocalDate.ofInstant(Instant.parse(n.asText()), ZoneOffset.UTC);
    }
}
