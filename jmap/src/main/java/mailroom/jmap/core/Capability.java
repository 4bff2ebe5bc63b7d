package mailroom.jmap.core;

/** The capability URNs we serve (RFC 8620 section 2, RFC 8621 section 1.3, RFC 8887 section 4, RFC 9670). */
public final class Capability {
    public static final String CORE = "urn:ietf:params:jmap:core";
    public static final String MAIL = "urn:ietf:params:jmap:mail";
    public static final String SUBMISSION = "urn:ietf:params:jmap:submission";
    public static final String VACATION = "urn:ietf:params:jmap:vacationresponse";
    public static final String WEBSOCKET = "urn:ietf:params:jmap:websocket";
    /** RFC 9670 section 2: Principal objects, and (account capability) who the login is among them. */
    public static final String PRINCIPALS = "urn:ietf:params:jmap:principals";
    /** RFC 9670 section 2.2: the principal that owns an account. */
    public static final String PRINCIPALS_OWNER = "urn:ietf:params:jmap:principals:owner";

    private Capability() {}
}
