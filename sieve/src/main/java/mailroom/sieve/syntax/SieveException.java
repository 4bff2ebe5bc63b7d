package mailroom.sieve.syntax;

/** A script that cannot be compiled or run, with the line it went wrong on (1-based; 0 when unknown). */
public final class SieveException extends Exception {
    private final int line;

    public SieveException(int line, String message) {
        super(message);
        this.line = line;
    }

    public int line() {
        return line;
    }

    /** "line 3: unknown command 'fileint'", the form ManageSieve and the CLI show. */
    public String describe() {
        return line > 0 ? "line " + line + ": " + getMessage() : getMessage();
    }
}
