package mailroom.storage;

/**
 * One member of the database behind a cluster, as {@code mailroom status}, the console and
 * /metrics show it: its name (Patroni's member name, or its address), where it listens, its role
 * ({@code primary}, {@code standby}, or {@code unreachable}), its state as its manager reports it
 * (running, streaming, stopped...), and how far a standby's replay is behind the primary, in bytes
 * (-1 when unknown).
 */
public record DatabaseMember(String name, String address, String role, String state, long lagBytes) {
    public static final String PRIMARY = "primary", STANDBY = "standby", UNREACHABLE = "unreachable";

    public boolean primary() {
        return PRIMARY.equals(role);
    }
}
