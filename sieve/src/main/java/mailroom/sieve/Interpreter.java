package mailroom.sieve;

import mailroom.sieve.syntax.Bound;
import mailroom.sieve.syntax.SieveException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs a compiled script on one message (RFC 5228 section 2.10): commands in order, actions
 * collected, implicit keep unless an action cancels it, and on a runtime error nothing but the
 * implicit keep. Tests are evaluated by {@link Tests}.
 */
final class Interpreter {
    /** How deep {@code include} may nest (RFC 6609 asks for a limit against loops). */
    private static final int MAX_INCLUDE_DEPTH = 10;

    private enum Flow { NEXT, STOP, RETURN }

    final MessageView message;
    final Envelope envelope;
    final Environment environment;
    private final List<Action> actions = new ArrayList<>();
    private final Map<String, String> globals = new HashMap<>();
    private final Set<String> includedOnce = new HashSet<>();
    /** The imap4flags internal variable (RFC 5232 section 3). */
    Set<String> flags = new LinkedHashSet<>();
    private boolean implicitKeep = true;
    private int redirects;
    private int depth;

    Interpreter(MessageView message, Envelope envelope, Environment environment) {
        this.message = message;
        this.envelope = envelope;
        this.environment = environment;
    }

    Outcome run(Script script) {
        try {
            execute(script.commands(), new Variables(globals, script.required()), script);
            if (implicitKeep) store("INBOX", flags, false);
        } catch (RuntimeSieveError e) {
            return new Outcome(List.of(new Action.Store("INBOX", Set.of(), false)), List.of(e.getMessage()));
        }
        return new Outcome(actions, List.of());
    }

    private Flow execute(List<Bound.Command> commands, Variables vars, Script script) throws RuntimeSieveError {
        boolean branchTaken = false;
        for (Bound.Command c : commands) {
            Flow flow = switch (c.name()) {
                case "require" -> Flow.NEXT;
                case "if" -> {
                    branchTaken = new Tests(this, vars).test(c.tests().get(0));
                    yield branchTaken ? execute(c.block(), vars, script) : Flow.NEXT;
                }
                case "elsif" -> {
                    if (branchTaken) yield Flow.NEXT;
                    branchTaken = new Tests(this, vars).test(c.tests().get(0));
                    yield branchTaken ? execute(c.block(), vars, script) : Flow.NEXT;
                }
                case "else" -> branchTaken ? Flow.NEXT : execute(c.block(), vars, script);
                case "stop" -> Flow.STOP;
                case "return" -> Flow.RETURN;
                case "include" -> include(c, vars);
                default -> {
                    action(c, vars);
                    yield Flow.NEXT;
                }
            };
            if (flow == Flow.STOP) return Flow.STOP;
            if (flow == Flow.RETURN) return depth > 0 ? Flow.RETURN : Flow.STOP;
        }
        return Flow.NEXT;
    }

    private void action(Bound.Command c, Variables vars) throws RuntimeSieveError {
        switch (c.name()) {
            case "keep" -> {
                store("INBOX", flagsArgument(c, vars), false);
                implicitKeep = false;
            }
            case "discard" -> implicitKeep = false;
            case "fileinto" -> {
                store(vars.expand(c.string(0)), flagsArgument(c, vars), c.has("create"));
                if (!c.has("copy")) implicitKeep = false;
            }
            case "redirect" -> redirect(vars.expand(c.string(0)), c.has("copy"));
            case "reject", "ereject" -> reject(vars.expand(c.string(0)), c.name().equals("ereject"));
            case "vacation" -> vacation(c, vars);
            case "setflag", "addflag", "removeflag" -> changeFlags(c, vars);
            case "set" -> vars.set(c.string(0), Modifiers.apply(c.tags().keySet(), vars.expand(c.string(1))));
            case "global" -> c.strings(0).forEach(vars::declareGlobal);
            default -> throw new IllegalStateException("unhandled command " + c.name());
        }
    }

    private void store(String mailbox, Set<String> storeFlags, boolean create) throws RuntimeSieveError {
        if (mailbox.isEmpty()) throw new RuntimeSieveError("fileinto: empty mailbox name");
        conflictsWithReject("fileinto");
        if (mailbox.equalsIgnoreCase("INBOX")) mailbox = "INBOX";
        for (int i = 0; i < actions.size(); i++) {
            if (actions.get(i) instanceof Action.Store s && s.mailbox().equals(mailbox)) {
                actions.set(i, new Action.Store(mailbox, Set.copyOf(storeFlags), s.create() || create)); // one copy per mailbox
                return;
            }
        }
        actions.add(new Action.Store(mailbox, Set.copyOf(storeFlags), create));
    }

    private void redirect(String address, boolean copy) throws RuntimeSieveError {
        if (!address.matches("[^@\\s<>]+@[^@\\s<>]+")) throw new RuntimeSieveError("redirect: invalid address \"" + address + "\"");
        int at = address.lastIndexOf('@');
        address = address.substring(0, at + 1) + address.substring(at + 1).toLowerCase(Locale.ROOT); // domains have no case
        conflictsWithReject("redirect");
        if (!copy) implicitKeep = false;
        for (Action a : actions) if (a instanceof Action.Redirect r && r.address().equalsIgnoreCase(address)) return;
        if (++redirects > environment.maxRedirects()) throw new RuntimeSieveError("too many redirects (at most " + environment.maxRedirects() + ")");
        actions.add(new Action.Redirect(address));
    }

    private void reject(String reason, boolean extended) throws RuntimeSieveError {
        for (Action a : actions) {
            if (!(a instanceof Action.Reject)) throw new RuntimeSieveError("reject conflicts with an earlier " + kind(a));
        }
        implicitKeep = false;
        if (actions.stream().noneMatch(a -> a instanceof Action.Reject)) actions.add(new Action.Reject(reason, extended));
    }

    private void conflictsWithReject(String what) throws RuntimeSieveError {
        for (Action a : actions) if (a instanceof Action.Reject) throw new RuntimeSieveError(what + " conflicts with an earlier reject");
    }

    private static String kind(Action a) {
        return switch (a) {
            case Action.Store s -> "fileinto";
            case Action.Redirect r -> "redirect";
            case Action.Reject r -> "reject";
            case Action.Vacation v -> "vacation";
        };
    }

    private void vacation(Bound.Command c, Variables vars) throws RuntimeSieveError {
        for (Action a : actions) {
            if (a instanceof Action.Vacation) throw new RuntimeSieveError("only one vacation per script run");
            if (a instanceof Action.Reject) throw new RuntimeSieveError("vacation conflicts with an earlier reject");
        }
        Duration period = c.tagNumber("seconds") != null ? Duration.ofSeconds(c.tagNumber("seconds"))
                : Duration.ofDays(c.tagNumber("days") != null ? Math.max(1, c.tagNumber("days")) : 7);
        String reason = vars.expand(c.string(0));
        String subject = c.tagString("subject") == null ? null : vars.expand(c.tagString("subject"));
        String from = c.tagString("from") == null ? null : vars.expand(c.tagString("from"));
        List<String> addresses = c.tagStrings("addresses") == null ? List.of() : vars.expand(c.tagStrings("addresses"));
        String handle = c.tagString("handle") != null ? vars.expand(c.tagString("handle"))
                : Integer.toHexString((reason + "\0" + subject + "\0" + from + "\0" + c.has("mime")).hashCode());
        Optional<String> to = VacationRules.replyTo(message, envelope, environment.ownAddresses(), addresses);
        if (to.isEmpty()) return;
        if (subject == null) subject = "Auto: " + message.header("Subject").stream().findFirst().orElse("").strip();
        actions.add(new Action.Vacation(to.get(), from, subject, reason, c.has("mime"), period, handle));
    }

    private void changeFlags(Bound.Command c, Variables vars) {
        boolean named = c.args().size() == 2;
        List<String> list = vars.expand(c.strings(named ? 1 : 0));
        Set<String> current = named ? Flags.parse(List.of(vars.get(c.string(0)))) : flags;
        Set<String> changed = switch (c.name()) {
            case "setflag" -> Flags.parse(list);
            case "addflag" -> Flags.add(current, Flags.parse(list));
            default -> Flags.remove(current, Flags.parse(list));
        };
        if (named) vars.set(c.string(0), String.join(" ", changed));
        else flags = changed;
    }

    private Set<String> flagsArgument(Bound.Command c, Variables vars) {
        List<String> given = c.tagStrings("flags");
        return given == null ? flags : Flags.parse(vars.expand(given));
    }

    private Flow include(Bound.Command c, Variables vars) throws RuntimeSieveError {
        boolean global = c.has("global");
        String name = vars.expand(c.string(0));
        String key = (global ? "global:" : "personal:") + name;
        if (c.has("once") && !includedOnce.add(key)) return Flow.NEXT;
        Optional<String> source = environment.includeSource(global, name);
        if (source.isEmpty()) {
            if (c.has("optional")) return Flow.NEXT;
            throw new RuntimeSieveError("include: no " + (global ? "global" : "personal") + " script \"" + name + "\"");
        }
        if (depth >= MAX_INCLUDE_DEPTH) throw new RuntimeSieveError("include: nested more than " + MAX_INCLUDE_DEPTH + " deep");
        Script included;
        try {
            included = Script.compile(source.get());
        } catch (SieveException e) {
            throw new RuntimeSieveError("include \"" + name + "\": " + e.describe());
        }
        depth++;
        try {
            Flow flow = execute(included.commands(), new Variables(globals, included.required()), included);
            return flow == Flow.STOP ? Flow.STOP : Flow.NEXT;
        } finally {
            depth--;
        }
    }

    /** RFC 5229 section 4.1 modifiers, applied by precedence: case, then first-letter case, quoting, length. */
    private static final class Modifiers {
        static String apply(Set<String> tags, String value) {
            if (tags.contains("lower")) value = value.toLowerCase(Locale.ROOT);
            if (tags.contains("upper")) value = value.toUpperCase(Locale.ROOT);
            if (tags.contains("lowerfirst") && !value.isEmpty()) value = value.substring(0, 1).toLowerCase(Locale.ROOT) + value.substring(1);
            if (tags.contains("upperfirst") && !value.isEmpty()) value = value.substring(0, 1).toUpperCase(Locale.ROOT) + value.substring(1);
            if (tags.contains("quotewildcard")) value = value.replaceAll("([*?\\\\])", "\\\\$1");
            if (tags.contains("quoteregex")) value = value.replaceAll("([\\\\^$.\\[\\]|()?*+{}])", "\\\\$1");
            if (tags.contains("length")) value = Integer.toString(value.codePointCount(0, value.length()));
            return value;
        }
    }
}
