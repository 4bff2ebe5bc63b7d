package mailroom.storage;

import java.util.Set;

/**
 * One entry of an account's change log. Every write to an account takes the next MODSEQ of that
 * account and records which messages it touched; expunges stay in the log, so CONDSTORE/QRESYNC,
 * IDLE and the cluster's notifications can all ask "what changed since N". An added or changed
 * message's entry carries its flags as that change left them (an expunge's, none), so a reader
 * of the log knows the flags without reading the message.
 */
public record Change(long modseq, long mailboxId, long uid, Kind kind, Set<String> flags) {
    public enum Kind { ADDED, FLAGS, EXPUNGED }
}
