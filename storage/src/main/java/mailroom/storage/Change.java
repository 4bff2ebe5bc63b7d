package mailroom.storage;

/**
 * One entry of an account's change log. Every write to an account takes the next MODSEQ of that
 * account and records which messages it touched; expunges stay in the log, so CONDSTORE/QRESYNC,
 * IDLE and the cluster's notifications can all ask "what changed since N".
 */
public record Change(long modseq, long mailboxId, long uid, Kind kind) {
    public enum Kind { ADDED, FLAGS, EXPUNGED }
}
