package mailroom.jmap.core;

/**
 * What a login may do. The mail password gives {@link #FULL}; a bearer token carries its own scope,
 * so a phone's read-only widget or a mail-sorting script can hold less than the whole account.
 */
public enum Scope {
    /** Everything, including sending and the out-of-office. */
    FULL,
    /** Read and change mail, but not send it or set the out-of-office (those answer "forbidden"). */
    MAIL,
    /** Read only: the account is read-only and carries neither submission nor vacation response. */
    READ;

    public boolean mayWrite() {
        return this != READ;
    }

    public boolean maySend() {
        return this == FULL;
    }
}
