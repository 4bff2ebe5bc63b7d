package mailroom.directory;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An authoritative DNS server for the mail zone (RFC 1034/1035), over UDP and TCP, answering from
 * the newest {@link Zone}. Names outside the zone are REFUSED (we are nobody's resolver), unknown
 * names in it get NXDOMAIN with the SOA, and a packet that does not parse gets FORMERR or, when
 * not even its header can be read, no answer. outbox's addresses come in a new order each time, so
 * clients spread over the sorters.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    private static final int UDP_LIMIT = 512;

    private final Supplier<Zone> zone;
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private final AtomicInteger rotation = new AtomicInteger();
    private volatile boolean closed;

    public DnsServer(InetAddress bind, int port, Supplier<Zone> zone) throws IOException {
        this.zone = zone;
        this.tcp = new ServerSocket();
        tcp.setReuseAddress(true);
        tcp.bind(new InetSocketAddress(bind, port));
        this.udp = new DatagramSocket(new InetSocketAddress(bind, tcp.getLocalPort())); // the same port for both
        Thread.ofVirtual().name("dns-udp").start(this::serveUdp);
        Thread.ofVirtual().name("dns-tcp").start(this::serveTcp);
    }

    public int port() {
        return tcp.getLocalPort();
    }

    private void serveUdp() {
        byte[] buffer = new byte[4096];
        while (!closed) {
            try {
                var packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                byte[] query = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
                byte[] reply = answer(query, UDP_LIMIT);
                if (reply != null) udp.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
            } catch (IOException | RuntimeException e) {
                if (!closed) log.debug("dns udp: {}", e.toString());
            }
        }
    }

    private void serveTcp() {
        while (!closed) {
            try {
                Socket client = tcp.accept();
                Thread.ofVirtual().name("dns-tcp-client").start(() -> serveTcp(client));
            } catch (IOException e) {
                if (!closed) log.debug("dns tcp accept: {}", e.toString());
            }
        }
    }

    /** Queries on one TCP connection, each with a two-octet length in front (RFC 1035 section 4.2.2). */
    private void serveTcp(Socket client) {
        try (client) {
            client.setSoTimeout(10_000);
            var in = new DataInputStream(client.getInputStream());
            var out = new DataOutputStream(client.getOutputStream());
            while (true) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException e) {
                    return;
                }
                byte[] query = in.readNBytes(length);
                if (query.length < length) return;
                byte[] reply = answer(query, 65535);
                if (reply == null) return;
                out.writeShort(reply.length);
                out.write(reply);
                out.flush();
            }
        } catch (IOException e) {
            log.debug("dns tcp: {}", e.toString());
        }
    }

    /** The reply to one query, at most {@code limit} octets (truncated with TC when larger), or null for no reply. */
    byte[] answer(byte[] wire, int limit) {
        byte[] reply = reply(wire, limit);
        mailroom.core.metrics.Meters.dnsQuery(reply == null ? "dropped" : reply.length < Header.LENGTH ? "short" : Rcode.string(reply[3] & 0x0F));
        return reply;
    }

    private byte[] reply(byte[] wire, int limit) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException | RuntimeException e) {
            // dnsjava reports some malformed records (a TTL above 2^31-1, for one) with unchecked
            // exceptions; whatever the reason, the client sent something we cannot read
            return formatError(wire);
        }
        if (query.getHeader().getFlag(Flags.QR)) return null; // a response: never answer those
        var reply = new Message(query.getHeader().getID());
        var header = reply.getHeader();
        header.setFlag(Flags.QR);
        if (query.getHeader().getFlag(Flags.RD)) header.setFlag(Flags.RD);
        header.setOpcode(query.getHeader().getOpcode());
        Record question = query.getQuestion();
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            header.setRcode(Rcode.NOTIMP);
        } else if (question == null || query.getHeader().getCount(Section.QUESTION) != 1) {
            header.setRcode(Rcode.FORMERR);
        } else {
            reply.addRecord(question, Section.QUESTION);
            resolve(question.getName(), question.getType(), reply);
        }
        OPTRecord edns = query.getOPT();
        if (edns != null) {
            reply.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
            limit = Math.max(limit, Math.min(edns.getPayloadSize(), 4096));
        }
        return reply.toWire(limit);
    }

    private void resolve(Name name, int type, Message reply) {
        Zone z = zone.get();
        var header = reply.getHeader();
        if (!name.subdomain(z.origin)) {
            header.setRcode(Rcode.REFUSED);
            return;
        }
        header.setFlag(Flags.AA);
        List<Record> answer = new ArrayList<>();
        Name current = name;
        for (int hops = 0; hops < 8; hops++) { // follow CNAMEs inside the zone
            List<Record> cname = z.lookup(current, Type.CNAME);
            if (!cname.isEmpty() && type != Type.CNAME && type != Type.ANY) {
                answer.addAll(cname);
                current = ((CNAMERecord) cname.getFirst()).getTarget();
                if (!current.subdomain(z.origin)) break;
                continue;
            }
            answer.addAll(rotated(z.lookup(current, type)));
            break;
        }
        if (answer.isEmpty()) {
            if (!z.exists(name)) header.setRcode(Rcode.NXDOMAIN);
            reply.addRecord(z.soa, Section.AUTHORITY); // negative answers carry the SOA (RFC 2308)
            return;
        }
        for (Record r : answer) reply.addRecord(r, Section.ANSWER);
        for (Record r : answer) { // addresses of the names the answer points to, so no second query is needed
            Name target = switch (r) {
                case MXRecord mx -> mx.getTarget();
                case SRVRecord srv -> srv.getTarget();
                case NSRecord ns -> ns.getTarget();
                default -> null;
            };
            if (target == null) continue;
            for (Record a : z.lookup(target, Type.A)) if (!reply.findRecord(a, Section.ADDITIONAL)) reply.addRecord(a, Section.ADDITIONAL);
            for (Record a : z.lookup(target, Type.AAAA)) if (!reply.findRecord(a, Section.ADDITIONAL)) reply.addRecord(a, Section.ADDITIONAL);
        }
    }

    /** A set of records in a new order for each answer (round robin). */
    private List<Record> rotated(List<Record> records) {
        if (records.size() < 2) return records;
        int shift = Math.floorMod(rotation.getAndIncrement(), records.size());
        List<Record> out = new ArrayList<>(records.subList(shift, records.size()));
        out.addAll(records.subList(0, shift));
        return out;
    }

    /** FORMERR with the query's id when at least the header could be read; otherwise silence. */
    private static byte[] formatError(byte[] wire) {
        if (wire.length < Header.LENGTH) return null;
        try {
            var header = new Header(java.util.Arrays.copyOf(wire, Header.LENGTH));
            if (header.getFlag(Flags.QR)) return null;
            var reply = new Message(header.getID());
            reply.getHeader().setFlag(Flags.QR);
            reply.getHeader().setRcode(Rcode.FORMERR);
            return reply.toWire();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        closed = true;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
