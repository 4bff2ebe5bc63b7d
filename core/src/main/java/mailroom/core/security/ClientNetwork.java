package mailroom.core.security;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;

/**
 * What the defences count by: one IPv4 address, or one IPv6 /64 (a single customer's network: a
 * host given a /64 has 2^64 addresses to rotate through). Also reads addresses and CIDR networks
 * from configuration and the command line, without ever asking DNS.
 */
public final class ClientNetwork {
    private ClientNetwork() {}

    /** The key of the network {@code address} belongs to: "192.0.2.7" or "2001:db8:1:2::/64". */
    public static String of(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            StringBuilder key = new StringBuilder();
            for (int group = 0; group < 4; group++) {
                key.append(Integer.toHexString(((b[2 * group] & 0xff) << 8) | (b[2 * group + 1] & 0xff))).append(':');
            }
            return key.append(":/64").toString(); // the first four groups, one fixed spelling
        }
        return address.getHostAddress();
    }

    /**
     * An address as written ("192.0.2.7", "2001:db8::1"), or the key of an IPv6 /64 as the defences
     * list it ("2001:db8::/64"); empty for anything else, host names included.
     */
    public static Optional<String> parseKey(String text) {
        String t = text.strip();
        boolean slash64 = t.endsWith("/64") && t.contains(":");
        Optional<InetAddress> address = literal(slash64 ? t.substring(0, t.length() - 3) : t);
        if (address.isEmpty() || (slash64 && !(address.get() instanceof Inet6Address))) return Optional.empty();
        return address.map(ClientNetwork::of);
    }

    /** An IP address literal, never a DNS look-up. */
    public static Optional<InetAddress> literal(String text) {
        String t = text.strip();
        boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = t.contains(":") && t.matches("[0-9A-Fa-f:.]+");
        if (!v4 && !v6) return Optional.empty();
        try {
            return Optional.of(InetAddress.getByName(t)); // a literal: parsed, not resolved
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** A network in CIDR notation, e.g. 10.0.0.0/8 or 2001:db8::/32; a bare address is a /32 or /128. */
    public record Cidr(byte[] network, int bits) {
        public static Cidr parse(String text) {
            int slash = text.indexOf('/');
            InetAddress address = literal(slash < 0 ? text : text.substring(0, slash))
                    .orElseThrow(() -> new IllegalArgumentException("not an address or CIDR network: \"" + text + "\""));
            int max = address.getAddress().length * 8;
            int bits;
            try {
                bits = slash < 0 ? max : Integer.parseInt(text.substring(slash + 1).strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a CIDR prefix length: \"" + text + "\"");
            }
            if (bits < 0 || bits > max) throw new IllegalArgumentException("prefix length must be 0.." + max + ": \"" + text + "\"");
            return new Cidr(mask(address.getAddress(), bits), bits);
        }

        public boolean contains(InetAddress address) {
            byte[] a = address.getAddress();
            return a.length == network.length && Arrays.equals(mask(a, bits), network);
        }

        private static byte[] mask(byte[] address, int bits) {
            byte[] out = address.clone();
            for (int i = 0; i < out.length; i++) {
                int keep = Math.max(0, Math.min(8, bits - i * 8));
                out[i] &= (byte) (0xff << (8 - keep));
            }
            return out;
        }
    }
}
