package mailroom.smtp;

import mailroom.storage.Directory;
import org.apache.james.jdkim.DKIMSigner;
import org.apache.james.jdkim.exceptions.FailException;

import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;

/** DKIM keys (RFC 6376) and signing with Apache jDKIM: relaxed canonicalisation, RSA-SHA256. */
public final class Dkim {
    /** The header fields we sign: what a reader sees and what replays would change. */
    private static final String SIGNED_HEADERS = "from:to:cc:subject:date:message-id:reply-to:mime-version:content-type:content-transfer-encoding";

    private Dkim() {}

    /** A new 2048-bit RSA key for the domain. */
    public static Directory.DkimKey generate(String domain, String selector) {
        try {
            var generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            var pair = generator.generateKeyPair();
            return new Directory.DkimKey(domain, selector, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The TXT record to publish: its name and its value. */
    public static String[] dnsRecord(Directory.DkimKey key) {
        try {
            var rsa = (RSAPrivateCrtKey) privateKey(key);
            var publicKey = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            return new String[] {key.selector() + "._domainkey." + key.domain(),
                    "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(publicKey.getEncoded())};
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrivateKey privateKey(Directory.DkimKey key) throws GeneralSecurityException {
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(key.privateKey())));
    }

    /** The "DKIM-Signature: ..." field (with CRLF) to put in front of the message. */
    static String sign(Directory.DkimKey key, InputStream message) throws IOException {
        try {
            var signer = new DKIMSigner("v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + key.domain() + "; s=" + key.selector()
                    + "; h=" + SIGNED_HEADERS + "; bh=; b=;", privateKey(key));
            String field = signer.sign(message).stripTrailing();
            // One tag per line: relaxed canonicalisation unfolds it again, so the signature still holds.
            return field.replace("; ", ";\r\n\t") + "\r\n";
        } catch (GeneralSecurityException | FailException e) {
            throw new IOException("DKIM signing for " + key.domain() + " failed: " + e.getMessage(), e);
        }
    }
}
