package mailroom.core.net;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The server's TLS context: from a configured PEM certificate and key, or from a self-signed pair
 * made on first start and kept under the data directory, so clients can pin it across restarts.
 */
public final class TlsContexts {
    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

    private TlsContexts() {}

    public static SSLContext load(Path certFile, Path keyFile, Path dataDir, String hostname) throws IOException {
        return load(certFile, keyFile, dataDir, hostname, null);
    }

    /**
     * As {@link #load(Path, Path, Path, String)}; a self-signed certificate made now also names
     * {@code bindAddress} when it is an IP address of its own (a node bound to one address is
     * reached at it), besides the hostname, localhost and 127.0.0.1.
     */
    public static SSLContext load(Path certFile, Path keyFile, Path dataDir, String hostname, String bindAddress) throws IOException {
        if (certFile == null) {
            Path dir = dataDir.resolve("tls");
            certFile = dir.resolve("cert.pem");
            keyFile = dir.resolve("key.pem");
            if (!Files.exists(certFile) || !Files.exists(keyFile)) selfSigned(dir, certFile, keyFile, hostname, bindAddress);
        }
        try {
            return context(readChain(certFile), readKey(keyFile));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use TLS certificate " + certFile + ": " + e.getMessage(), e);
        }
    }

    private static void selfSigned(Path dir, Path certFile, Path keyFile, String hostname, String bindAddress) throws IOException {
        try {
            Files.createDirectories(dir);
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            var subject = new X500Name("CN=" + hostname);
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(3650))), subject, pair.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            List<GeneralName> names = new java.util.ArrayList<>(List.of(new GeneralName(GeneralName.dNSName, hostname),
                    new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
            boolean ipLiteral = bindAddress != null && (bindAddress.matches("[0-9.]+") || bindAddress.contains(":"));
            if (ipLiteral && !List.of("127.0.0.1", "0.0.0.0", "::").contains(bindAddress)) names.add(new GeneralName(GeneralName.iPAddress, bindAddress));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
            X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate()));
            writePem(keyFile, pair.getPrivate(), true);
            writePem(certFile, new JcaX509CertificateConverter().getCertificate(holder), false);
            log.info("made a self-signed TLS certificate for {} in {}", hostname, certFile);
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException("cannot make a self-signed certificate: " + e.getMessage(), e);
        }
    }

    private static void writePem(Path file, Object object, boolean secret) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp); var pem = new JcaPEMWriter(w)) {
            pem.writeObject(object);
        }
        if (secret) {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static List<X509Certificate> readChain(Path file) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file); var pem = new PEMParser(r)) {
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof X509CertificateHolder h) chain.add(new JcaX509CertificateConverter().getCertificate(h));
            }
        }
        if (chain.isEmpty()) throw new GeneralSecurityException("no certificate in " + file);
        return chain;
    }

    private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        try (Reader r = Files.newBufferedReader(file); var pem = new PEMParser(r)) {
            var converter = new JcaPEMKeyConverter();
            for (Object o = pem.readObject(); o != null; o = pem.readObject()) {
                if (o instanceof PEMKeyPair kp) return converter.getKeyPair(kp).getPrivate();
                if (o instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
            }
        }
        throw new GeneralSecurityException("no private key in " + file);
    }

    private static SSLContext context(List<X509Certificate> chain, PrivateKey key) throws GeneralSecurityException, IOException {
        // An in-memory store only hands the key to the key manager; PKCS12 would encrypt it with
        // PBKDF2 just to decrypt it again, a noticeable part of start-up.
        var store = KeyStore.getInstance("JKS");
        store.load(null, null);
        char[] password = new char[0];
        store.setKeyEntry("server", key, password, chain.toArray(new Certificate[0]));
        var kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        var context = SSLContext.getInstance("TLS");
        // No trust managers: a server context never asks a client for a certificate, and the
        // JDK's default trust manager would parse its whole CA bundle (about 150 certificates,
        // the largest part of loading TLS at start-up) to verify none. Outbound TLS (the SMTP
        // client, imports over IMAP) has contexts of its own.
        context.init(kmf.getKeyManagers(), new TrustManager[0], null);
        return modernOnly(context);
    }

    /** The protocol versions every server socket and engine made from our contexts offers. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    /**
     * {@code context}, restricted to TLS 1.3 and 1.2 whatever the JDK's own defaults allow: every
     * socket, server socket and engine made from it (listeners, STARTTLS, Jetty) enables only those.
     */
    public static SSLContext modernOnly(SSLContext context) {
        return new SSLContext(new ModernOnly(context), context.getProvider(), context.getProtocol()) {};
    }

    private static final class ModernOnly extends javax.net.ssl.SSLContextSpi {
        private final SSLContext inner;

        ModernOnly(SSLContext inner) {
            this.inner = inner;
        }

        private static String[] restrict(String[] offered) {
            return java.util.Arrays.stream(offered).filter(PROTOCOLS::contains).toArray(String[]::new);
        }

        private static javax.net.ssl.SSLParameters restrict(javax.net.ssl.SSLParameters p) {
            p.setProtocols(restrict(p.getProtocols()));
            return p;
        }

        @Override
        protected void engineInit(javax.net.ssl.KeyManager[] km, javax.net.ssl.TrustManager[] tm, SecureRandom random)
                throws java.security.KeyManagementException {
            inner.init(km, tm, random);
        }

        @Override
        protected javax.net.ssl.SSLSocketFactory engineGetSocketFactory() {
            var factory = inner.getSocketFactory();
            return new javax.net.ssl.SSLSocketFactory() {
                private java.net.Socket restricted(java.net.Socket s) {
                    var tls = (javax.net.ssl.SSLSocket) s;
                    tls.setEnabledProtocols(restrict(tls.getEnabledProtocols()));
                    return tls;
                }

                @Override
                public String[] getDefaultCipherSuites() {
                    return factory.getDefaultCipherSuites();
                }

                @Override
                public String[] getSupportedCipherSuites() {
                    return factory.getSupportedCipherSuites();
                }

                @Override
                public java.net.Socket createSocket(java.net.Socket s, String host, int port, boolean autoClose) throws IOException {
                    return restricted(factory.createSocket(s, host, port, autoClose));
                }

                @Override
                public java.net.Socket createSocket() throws IOException {
                    return restricted(factory.createSocket());
                }

                @Override
                public java.net.Socket createSocket(String host, int port) throws IOException {
                    return restricted(factory.createSocket(host, port));
                }

                @Override
                public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort) throws IOException {
                    return restricted(factory.createSocket(host, port, local, localPort));
                }

                @Override
                public java.net.Socket createSocket(java.net.InetAddress host, int port) throws IOException {
                    return restricted(factory.createSocket(host, port));
                }

                @Override
                public java.net.Socket createSocket(java.net.InetAddress host, int port, java.net.InetAddress local, int localPort) throws IOException {
                    return restricted(factory.createSocket(host, port, local, localPort));
                }
            };
        }

        @Override
        protected javax.net.ssl.SSLServerSocketFactory engineGetServerSocketFactory() {
            var factory = inner.getServerSocketFactory();
            return new javax.net.ssl.SSLServerSocketFactory() {
                private java.net.ServerSocket restricted(java.net.ServerSocket s) {
                    var tls = (javax.net.ssl.SSLServerSocket) s;
                    tls.setEnabledProtocols(restrict(tls.getEnabledProtocols()));
                    return tls;
                }

                @Override
                public String[] getDefaultCipherSuites() {
                    return factory.getDefaultCipherSuites();
                }

                @Override
                public String[] getSupportedCipherSuites() {
                    return factory.getSupportedCipherSuites();
                }

                @Override
                public java.net.ServerSocket createServerSocket() throws IOException {
                    return restricted(factory.createServerSocket());
                }

                @Override
                public java.net.ServerSocket createServerSocket(int port) throws IOException {
                    return restricted(factory.createServerSocket(port));
                }

                @Override
                public java.net.ServerSocket createServerSocket(int port, int backlog) throws IOException {
                    return restricted(factory.createServerSocket(port, backlog));
                }

                @Override
                public java.net.ServerSocket createServerSocket(int port, int backlog, java.net.InetAddress address) throws IOException {
                    return restricted(factory.createServerSocket(port, backlog, address));
                }
            };
        }

        @Override
        protected javax.net.ssl.SSLEngine engineCreateSSLEngine() {
            var engine = inner.createSSLEngine();
            engine.setEnabledProtocols(restrict(engine.getEnabledProtocols()));
            return engine;
        }

        @Override
        protected javax.net.ssl.SSLEngine engineCreateSSLEngine(String host, int port) {
            var engine = inner.createSSLEngine(host, port);
            engine.setEnabledProtocols(restrict(engine.getEnabledProtocols()));
            return engine;
        }

        @Override
        protected javax.net.ssl.SSLSessionContext engineGetServerSessionContext() {
            return inner.getServerSessionContext();
        }

        @Override
        protected javax.net.ssl.SSLSessionContext engineGetClientSessionContext() {
            return inner.getClientSessionContext();
        }

        @Override
        protected javax.net.ssl.SSLParameters engineGetDefaultSSLParameters() {
            return restrict(inner.getDefaultSSLParameters());
        }

        @Override
        protected javax.net.ssl.SSLParameters engineGetSupportedSSLParameters() {
            return restrict(inner.getSupportedSSLParameters());
        }
    }
}
