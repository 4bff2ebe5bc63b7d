package mailroom.server;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.RRset;
import org.xbill.DNS.Section;
import org.xbill.DNS.SetResponse;
import org.xbill.DNS.Zone;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An authoritative DNS server for tests, answering from zone files (master format, read by
 * dnsjava) over UDP and TCP on one address and port. BIND would only listen on an address an
 * interface has, and the loopback ranges tests may use are not configured on one.
 */
final class ZoneServer implements AutoCloseable {
    private final List<Zone> zones;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    final AtomicInteger queries = new AtomicInteger();

    ZoneServer(String host, List<Zone> zones) throws IOException {
        this.zones = zones;
        tcp = new ServerSocket();
        tcp.bind(new InetSocketAddress(host, 0));
        udp = new DatagramSocket(new InetSocketAddress(host, tcp.getLocalPort())); // the same port for both
        Thread.ofVirtual().start(this::serveUdp);
        Thread.ofVirtual().start(this::serveTcp);
    }

    /** A zone from master-file text ($TTL, SOA, NS, then the records), relative to {@code origin}. */
    static Zone zone(String origin, String masterFile) throws IOException {
        var master = new org.xbill.DNS.Master(new java.io.ByteArrayInputStream(masterFile.getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                Name.fromString(origin + "."));
        var records = new java.util.ArrayList<Record>();
        for (Record r; (r = master.nextRecord()) != null; ) records.add(r);
        return new Zone(Name.fromString(origin + "."), records.toArray(Record[]::new));
    }

    int port() {
        return udp.getLocalPort();
    }

    private byte[] answer(byte[] query) {
        try {
            queries.incrementAndGet();
            Message q = new Message(query);
            Message r = new Message(q.getHeader().getID());
            r.getHeader().setFlag(Flags.QR);
            Record question = q.getQuestion();
            r.addRecord(question, Section.QUESTION);
            Zone zone = zones.stream().filter(z -> question.getName().subdomain(z.getOrigin())).findFirst().orElse(null);
            if (zone == null) {
                r.getHeader().setRcode(Rcode.REFUSED);
                return r.toWire();
            }
            r.getHeader().setFlag(Flags.AA);
            SetResponse found = zone.findRecords(question.getName(), question.getType());
            if (found.isSuccessful()) {
                for (RRset set : found.answers()) for (Record rec : set.rrs()) r.addRecord(rec, Section.ANSWER);
            } else {
                if (found.isNXDOMAIN()) r.getHeader().setRcode(Rcode.NXDOMAIN);
                r.addRecord(zone.getSOA(), Section.AUTHORITY); // negative answers are cached by the SOA (RFC 2308)
            }
            return r.toWire();
        } catch (IOException e) {
            return null;
        }
    }

    private void serveUdp() {
        byte[] buffer = new byte[4096];
        while (!udp.isClosed()) {
            try {
                var packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                byte[] reply = answer(java.util.Arrays.copyOf(packet.getData(), packet.getLength()));
                if (reply != null) udp.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
            } catch (IOException e) {
                // closed, or a bad packet
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket socket = tcp.accept()) {
                var in = new DataInputStream(socket.getInputStream());
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                byte[] reply = answer(query);
                var out = new DataOutputStream(socket.getOutputStream());
                out.writeShort(reply.length);
                out.write(reply);
                out.flush();
            } catch (IOException e) {
                // next
            }
        }
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }
}
