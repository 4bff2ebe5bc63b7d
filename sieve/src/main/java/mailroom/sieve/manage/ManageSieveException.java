package mailroom.sieve.manage;

/** A command refused with NO, with the RFC 5804 response code that says why (or none). */
class ManageSieveException extends Exception {
    private final String code;

    ManageSieveException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    String code() {
        return code;
    }
}
