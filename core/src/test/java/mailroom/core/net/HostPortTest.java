package mailroom.core.net;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HostPortTest {
    @Test
    void parsesHostsPortsAndV6Literals() {
        assertThat(HostPort.parse("mx.example.org", 25)).contains(new HostPort("mx.example.org", 25));
        assertThat(HostPort.parse("127.0.0.1:2053", 53)).contains(new HostPort("127.0.0.1", 2053));
        assertThat(HostPort.parse("[::1]:2525", 25)).contains(new HostPort("::1", 2525));
        assertThat(HostPort.parse("::1", 53)).contains(new HostPort("::1", 53));
        assertThat(HostPort.parse("[::1]", 53)).contains(new HostPort("::1", 53));
        assertThat(HostPort.parse("relay:http", 25)).isEmpty();
        assertThat(HostPort.parse("relay:0", 25)).isEmpty();
        assertThat(HostPort.parse("relay:70000", 25)).isEmpty();
    }
}
