package mailroom.smtp;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small authoritative DNS server for tests, on a loopback port over UDP and TCP (dnsjava's wire
 * format), answering from records given as zone-file lines.
 */
final class TestDns implements AutoCloseable {
    private final List<Record> records = new CopyOnWriteArrayList<>();
    private final DatagramSocket udp;
    private final ServerSocket tcp;

    TestDns() throws IOException {
        tcp = new ServerSocket();
        tcp.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcp.getLocalPort()));
        Thread.ofVirtual().start(this::serveUdp);
        Thread.ofVirtual().start(this::serveTcp);
    }

    /** Adds a record, e.g. "example.org. 60 IN MX 10 mx.example.org.". */
    TestDns add(String zoneLine) throws IOException {
        String[] f = zoneLine.trim().split("\\s+", 5);
        Name name = Name.fromString(f[0]);
        int type = Type.value(f[3]);
        records.add(Record.fromString(name, type, org.xbill.DNS.DClass.IN, Long.parseLong(f[1]), f[4], Name.root));
        return this;
    }

    String address() {
        return "127.0.0.1:" + udp.getLocalPort();
    }

    private byte[] answer(byte[] query) {
        try {
            Message q = new Message(query);
            Message r = new Message(q.getHeader().getID());
            r.getHeader().setFlag(Flags.QR);
            r.getHeader().setFlag(Flags.AA);
            Record question = q.getQuestion();
            r.addRecord(question, Section.QUESTION);
            boolean nameExists = false;
            for (Record record : records) {
                if (!record.getName().equals(question.getName())) continue;
                nameExists = true;
                if (record.getType() == question.getType()) r.addRecord(record, Section.ANSWER);
            }
            if (!nameExists) r.getHeader().setRcode(Rcode.NXDOMAIN);
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
                byte[] query = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
                byte[] reply = answer(query);
                if (reply == null) continue;
                if (reply.length > 512) { // too big for plain UDP: truncated, so the client asks over TCP
                    Message m = new Message(reply);
                    Message tc = new Message(m.getHeader().getID());
                    tc.getHeader().setFlag(Flags.QR);
                    tc.getHeader().setFlag(Flags.TC);
                    tc.addRecord(m.getQuestion(), Section.QUESTION);
                    reply = tc.toWire();
                }
                udp.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
            } catch (IOException e) {
                // closed, or a bad packet: go on
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket socket = tcp.accept()) {
                var in = new DataInputStream(socket.getInputStream());
                var out = new DataOutputStream(socket.getOutputStream());
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                byte[] reply = answer(query);
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
