package mailroom.core.net;

import java.util.Optional;

/** A host with a port, as written in configuration: "host", "host:port", or "[v6 address]:port". */
public record HostPort(String host, int port) {

    /** Parses the text; a missing port is {@code defaultPort}. Empty when the port is not 1..65535. */
    public static Optional<HostPort> parse(String text, int defaultPort) {
        String t = text.strip();
        int colon = t.lastIndexOf(':');
        boolean bareV6 = t.indexOf(':') != colon && !t.startsWith("[");
        if (colon < 0 || bareV6 || t.endsWith("]")) return Optional.of(new HostPort(unbracket(t), defaultPort));
        try {
            int port = Integer.parseInt(t.substring(colon + 1));
            if (port < 1 || port > 65535) return Optional.empty();
            return Optional.of(new HostPort(unbracket(t.substring(0, colon)), port));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }
}
