package mailroom.smtp.spam;

import java.util.Optional;

/** What rspamd recommends for a message, by the names its protocol uses in the "action" field. */
public enum Action {
    NO_ACTION("no action"),
    GREYLIST("greylist"),
    ADD_HEADER("add header"),
    REWRITE_SUBJECT("rewrite subject"),
    SOFT_REJECT("soft reject"),
    REJECT("reject");

    private final String wire;

    Action(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<Action> parse(String wire) {
        for (Action a : values()) if (a.wire.equalsIgnoreCase(wire)) return Optional.of(a);
        return Optional.empty();
    }
}
