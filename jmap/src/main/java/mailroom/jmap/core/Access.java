package mailroom.jmap.core;

/** What a method does to the account, which decides accountReadOnly and forbidden before it runs. */
public enum Access {
    /** No account involved (Core/echo). */
    NONE,
    READ,
    WRITE,
    /** Sends mail or answers it automatically on the user's behalf. */
    SEND
}
