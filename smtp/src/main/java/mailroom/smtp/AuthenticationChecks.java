package mailroom.smtp;

import mailroom.core.mail.EmailAddress;
import org.apache.james.jdkim.DKIMVerifier;
import org.apache.james.jdkim.api.Result;
import org.apache.james.jdkim.impl.DNSPublicKeyRecordRetriever;
import org.apache.james.jspf.core.DNSServiceEnabled;
import org.apache.james.jspf.core.MacroExpand;
import org.apache.james.jspf.core.MacroExpandEnabled;
import org.apache.james.jspf.core.SPFCheckEnabled;
import org.apache.james.jspf.executor.SynchronousSPFExecutor;
import org.apache.james.jspf.impl.DNSServiceXBillImpl;
import org.apache.james.jspf.impl.DefaultTermsFactory;
import org.apache.james.jspf.parser.RFC4408SPF1Parser;
import org.apache.james.jspf.wiring.WiringServiceTable;
import org.apache.james.jspf.impl.SPF;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Who may have sent a message from outside: SPF (RFC 7208, Apache jSPF) for the envelope sender,
 * DKIM (RFC 6376, Apache jDKIM) for the signatures, and DMARC (RFC 7489) tying them to the From
 * domain. The verdicts become an Authentication-Results field (RFC 8601).
 */
final class AuthenticationChecks {
    private static final Logger log = LoggerFactory.getLogger(AuthenticationChecks.class);

    /** The verdicts, the header field to add, and whether the From domain asks us to reject. */
    record Verdict(String header, boolean dmarcReject, String fromDomain) {}

    private record DkimPass(String domain, String selector) {}

    private final String hostname;
    private final Dns dns;
    private final SPF spf;

    AuthenticationChecks(String hostname, Dns dns) {
        this.hostname = hostname;
        this.dns = dns;
        // jSPF's default executor waits forever on dnsjava 3's asynchronous look-ups; the synchronous
        // one does the same work on the session's (virtual) thread, wired as SPF's constructor would.
        var dnsService = new DNSServiceXBillImpl(dns.resolver());
        var wiring = new WiringServiceTable();
        wiring.put(DNSServiceEnabled.class, dnsService);
        var macros = new MacroExpand(dnsService);
        wiring.put(MacroExpandEnabled.class, macros);
        this.spf = new SPF(dnsService, new RFC4408SPF1Parser(new DefaultTermsFactory(wiring)), macros, new SynchronousSPFExecutor(dnsService));
        wiring.put(SPFCheckEnabled.class, spf);
        spf.setUseBestGuess(false);
    }

    Verdict check(String clientIp, String heloName, String mailFrom, String headers, Spool message) throws IOException {
        String spfDomain = mailFrom.isEmpty() ? heloName : mailFrom.substring(mailFrom.lastIndexOf('@') + 1);
        String spfResult = spf.checkSPF(clientIp, mailFrom.isEmpty() ? "postmaster@" + heloName : mailFrom, heloName).getResult();

        List<String> dkimResults = new ArrayList<>();
        List<DkimPass> passes = new ArrayList<>();
        if (MessageHeaders.has(headers, "DKIM-Signature")) {
            var verifier = new DKIMVerifier(new DNSPublicKeyRecordRetriever(dns.resolver()));
            try (InputStream in = message.open()) {
                verifier.verify(in);
            } catch (Exception e) { // jDKIM reports a message with only bad signatures by throwing
                log.debug("DKIM verification: {}", e.getMessage());
            }
            for (Result r : verifier.getResults()) {
                String d = r.getRecord() == null ? null : r.getRecord().getDToken().toString();
                String s = r.getRecord() == null ? null : r.getRecord().getSelector().toString();
                String verdict = switch (r.getResultType()) {
                    case PASS -> "pass";
                    case NONE -> "none";
                    case NEUTRAL -> "neutral";
                    case POLICY -> "policy";
                    case TEMPERROR -> "temperror";
                    case PERMERROR -> "permerror";
                    default -> "fail";
                };
                if (verdict.equals("pass")) passes.add(new DkimPass(d, s));
                dkimResults.add("dkim=" + verdict + (d != null ? " header.d=" + d : "") + (s != null ? " header.s=" + s : ""));
            }
        }
        if (dkimResults.isEmpty()) dkimResults.add("dkim=none");

        Optional<EmailAddress> from = MessageHeaders.fromAddress(headers);
        String dmarc = "dmarc=none";
        boolean reject = false;
        String fromDomain = from.map(EmailAddress::domain).map(d -> d.toLowerCase(Locale.ROOT)).orElse(null);
        if (fromDomain != null) {
            Optional<String> policy = dmarcRecord(fromDomain);
            if (policy.isPresent()) {
                boolean aligned = (spfResult.equals("pass") && organisational(spfDomain).equals(organisational(fromDomain)))
                        || passes.stream().anyMatch(p -> organisational(p.domain()).equals(organisational(fromDomain)));
                String p = tag(policy.get(), "p").orElse("none");
                dmarc = "dmarc=" + (aligned ? "pass" : "fail") + " (p=" + p + ") header.from=" + fromDomain;
                reject = !aligned && p.equalsIgnoreCase("reject");
            }
        }
        String header = "Authentication-Results: " + hostname + ";\r\n\tspf=" + spfResult + " smtp.mailfrom=" + (mailFrom.isEmpty() ? heloName : mailFrom)
                + ";\r\n\t" + String.join(";\r\n\t", dkimResults) + ";\r\n\t" + dmarc + "\r\n";
        return new Verdict(header, reject, fromDomain);
    }

    /** The DMARC record of the domain, else of its organisational domain (RFC 7489 section 6.6.3). */
    private Optional<String> dmarcRecord(String domain) throws IOException {
        for (String name : List.of(domain, organisational(domain)).stream().distinct().toList()) {
            try {
                for (String txt : dns.txt("_dmarc." + name)) if (txt.startsWith("v=DMARC1")) return Optional.of(txt);
            } catch (Dns.TemporaryFailure e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /**
     * The organisational domain, approximated by the last two labels. (The Public Suffix List would
     * make "example.co.uk" right; with two labels it counts as "co.uk", which only loosens alignment.)
     */
    static String organisational(String domain) {
        String d = domain.toLowerCase(Locale.ROOT);
        int last = d.lastIndexOf('.');
        int second = last > 0 ? d.lastIndexOf('.', last - 1) : -1;
        return second < 0 ? d : d.substring(second + 1);
    }

    private static Optional<String> tag(String record, String name) {
        for (String part : record.split(";")) {
            String[] kv = part.strip().split("=", 2);
            if (kv.length == 2 && kv[0].strip().equalsIgnoreCase(name)) return Optional.of(kv[1].strip());
        }
        return Optional.empty();
    }
}
