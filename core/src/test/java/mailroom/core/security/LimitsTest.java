package mailroom.core.security;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Network keys, CIDR allowlists and the per-node limits: connections, sessions and sending. */
class LimitsTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    void ipv4CountsByAddressAndIpv6ByItsSlash64() throws Exception {
        assertThat(ClientNetwork.of(ip("192.0.2.7"))).isEqualTo("192.0.2.7");
        assertThat(ClientNetwork.of(ip("2001:db8:1:2:3:4:5:6"))).isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientNetwork.of(ip("2001:0db8:0001:0002::ffff"))).isEqualTo("2001:db8:1:2::/64");
        assertThat(ClientNetwork.of(ip("::ffff:192.0.2.7"))).as("a mapped IPv4 address is that address").isEqualTo("192.0.2.7");
        assertThat(ClientNetwork.parseKey("2001:db8:1:2::/64")).contains("2001:db8:1:2::/64");
        assertThat(ClientNetwork.parseKey("2001:db8:1:2::99")).contains("2001:db8:1:2::/64");
        assertThat(ClientNetwork.parseKey(" 192.0.2.7 ")).contains("192.0.2.7");
        assertThat(ClientNetwork.parseKey("localhost")).as("never a DNS look-up").isEmpty();
        assertThat(ClientNetwork.parseKey("192.0.2.7/64")).isEmpty();
    }

    @Test
    void cidrNetworksContainTheirAddressesOnly() throws Exception {
        var net = ClientNetwork.Cidr.parse("10.1.0.0/16");
        assertThat(net.contains(ip("10.1.255.1"))).isTrue();
        assertThat(net.contains(ip("10.2.0.1"))).isFalse();
        assertThat(net.contains(ip("::1"))).isFalse();
        assertThat(ClientNetwork.Cidr.parse("::1/128").contains(ip("::1"))).isTrue();
        assertThat(ClientNetwork.Cidr.parse("2001:db8::/32").contains(ip("2001:db8:ffff::1"))).isTrue();
        assertThat(ClientNetwork.Cidr.parse("192.0.2.9").contains(ip("192.0.2.9"))).isTrue();
        assertThat(ClientNetwork.Cidr.parse("0.0.0.0/0").contains(ip("203.0.113.1"))).isTrue();
        assertThatThrownBy(() -> ClientNetwork.Cidr.parse("10.0.0.0/33")).hasMessageContaining("0..32");
        assertThatThrownBy(() -> ClientNetwork.Cidr.parse("example.org/8")).hasMessageContaining("not an address");
    }

    @Test
    void connectionsAtOnceAndPerMinuteAreCountedPerNetwork() throws Exception {
        var limits = new ConnectionLimits("imap", 2, 3, a -> a.getHostAddress().equals("192.0.2.99"));
        Runnable first = limits.admit(ip("192.0.2.1"));
        limits.admit(ip("192.0.2.1"));
        assertThatThrownBy(() -> limits.admit(ip("192.0.2.1"))).isInstanceOfSatisfying(LimitExceeded.class,
                e -> assertThat(e.kind()).isEqualTo(LimitExceeded.Kind.CONNECTIONS));
        limits.admit(ip("192.0.2.2")).run();
        first.run();
        limits.admit(ip("192.0.2.1")).run(); // the third new connection within the minute
        assertThatThrownBy(() -> limits.admit(ip("192.0.2.1"))).as("a fourth within the minute").isInstanceOfSatisfying(LimitExceeded.class,
                e -> assertThat(e.kind()).isEqualTo(LimitExceeded.Kind.CONNECTION_RATE));
        List<Runnable> many = new ArrayList<>();
        for (int i = 0; i < 10; i++) many.add(limits.admit(ip("192.0.2.99")));
        many.forEach(Runnable::run);
        assertThat(limits.tracked()).as("exempt addresses are not tracked").isEqualTo(2);
    }

    @Test
    void sessionsPerAccountAndNetworkAreLimitedPerProtocol() throws Exception {
        var limits = new SessionLimits(2, a -> false);
        Runnable one = limits.open("imap", "alice@example.test", ip("192.0.2.1"));
        limits.open("imap", "alice@example.test", ip("192.0.2.1"));
        assertThatThrownBy(() -> limits.open("imap", "alice@example.test", ip("192.0.2.1"))).isInstanceOf(LimitExceeded.class);
        limits.open("imap", "alice@example.test", ip("192.0.2.2"));
        limits.open("imap", "bob@example.test", ip("192.0.2.1"));
        limits.open("pop3", "alice@example.test", ip("192.0.2.1"));
        one.run();
        limits.open("imap", "alice@example.test", ip("192.0.2.1"));
    }

    @Test
    void sendingIsCountedPerAccountOverTheHour() {
        var limits = new SendingLimits(2, 3);
        limits.message("alice@example.test");
        limits.message("alice@example.test");
        assertThatThrownBy(() -> limits.message("alice@example.test")).isInstanceOfSatisfying(LimitExceeded.class,
                e -> assertThat(e.getMessage()).contains("2 messages an hour"));
        limits.message("bob@example.test");
        for (int i = 0; i < 3; i++) limits.recipient("alice@example.test");
        assertThatThrownBy(() -> limits.recipient("alice@example.test")).isInstanceOfSatisfying(LimitExceeded.class,
                e -> assertThat(e.kind()).isEqualTo(LimitExceeded.Kind.RECIPIENTS));
    }
}
