package mailroom.transfer;

/** Something one operation could not copy: which folder, which message (a UID, a file, a position) and why. */
public record Problem(String folder, String message, String reason) {
    @Override
    public String toString() {
        return (folder == null ? "" : folder + ": ") + (message == null ? "" : message + ": ") + reason;
    }
}
