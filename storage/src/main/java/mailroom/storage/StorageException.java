package mailroom.storage;

/** The storage failed (disk, database). Sessions turn it into a temporary error: 451, -ERR [SYS/TEMP], NO. */
public class StorageException extends RuntimeException {
    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
