package mailroom.admin;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import mailroom.core.config.Config;
import mailroom.core.mail.EmailAddress;
import mailroom.storage.Directory;
import mailroom.storage.Routing;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Client autoconfiguration: Thunderbird's autoconfig, Microsoft's Autodiscover (POX) and an Apple
 * configuration profile, each pointing the user at their own letter's name (maila..mailz, mail0)
 * for IMAP and POP3 and at outbox for sending, over implicit TLS. These names never change when
 * stores do, so a client set up once stays right.
 */
final class Autoconfig {
    private static final Pattern AUTODISCOVER_ADDRESS = Pattern.compile("<EMailAddress>\\s*([^<\\s]+)\\s*</EMailAddress>", Pattern.CASE_INSENSITIVE);

    private final Config config;
    private final Directory directory;

    Autoconfig(Config config, Directory directory) {
        this.config = config;
        this.directory = directory;
    }

    void register(RoutesConfig routes) {
        routes.get("/mail/config-v1.1.xml", this::thunderbird);
        routes.get("/.well-known/autoconfig/mail/config-v1.1.xml", this::thunderbird);
        routes.post("/autodiscover/autodiscover.xml", this::autodiscover);
        routes.post("/Autodiscover/Autodiscover.xml", this::autodiscover);
        routes.get("/apple/mailroom.mobileconfig", this::apple);
    }

    /** The user's address, if it is one of ours. */
    private EmailAddress user(String text) {
        var address = EmailAddress.parse(text == null ? "" : text.strip(), true)
                .orElseThrow(() -> new IllegalArgumentException("an email address is required"));
        if (!directory.isLocalDomain(address.domain())) throw new IllegalArgumentException(address.domain() + " is not a domain of this service");
        return address;
    }

    private String incoming(EmailAddress user) {
        return "mail" + Routing.keyOf(user.localPart()) + "." + config.zone();
    }

    private String outgoing() {
        return "outbox." + config.zone();
    }

    private void thunderbird(Context ctx) {
        var user = user(ctx.queryParam("emailaddress"));
        String domain = xml(user.domain());
        ctx.contentType("application/xml; charset=utf-8").result("""
                <?xml version="1.0" encoding="UTF-8"?>
                <clientConfig version="1.1">
                  <emailProvider id="%1$s">
                    <domain>%1$s</domain>
                    <displayName>%1$s mail</displayName>
                    <displayShortName>%1$s</displayShortName>
                %2$s%3$s%4$s  </emailProvider>
                </clientConfig>
                """.formatted(domain, server("incomingServer", "imap", incoming(user), config.imap.tlsPort),
                server("incomingServer", "pop3", incoming(user), config.pop3.tlsPort),
                server("outgoingServer", "smtp", outgoing(), config.submission.tlsPort)));
    }

    /** One server of a Thunderbird configuration: implicit TLS, the password, the address as login. */
    private static String server(String element, String type, String host, int port) {
        return """
                    <%1$s type="%2$s">
                      <hostname>%3$s</hostname>
                      <port>%4$d</port>
                      <socketType>SSL</socketType>
                      <authentication>password-cleartext</authentication>
                      <username>%%EMAILADDRESS%%</username>
                    </%1$s>
                """.formatted(element, type, host, port);
    }

    /** Outlook's plain-old-XML Autodiscover: the request names the address, the reply the servers. */
    private void autodiscover(Context ctx) {
        var m = AUTODISCOVER_ADDRESS.matcher(ctx.body());
        var user = user(m.find() ? m.group(1) : null);
        String login = xml(user.toString());
        ctx.contentType("application/xml; charset=utf-8").result("""
                <?xml version="1.0" encoding="utf-8"?>
                <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
                  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
                    <Account>
                      <AccountType>email</AccountType>
                      <Action>settings</Action>
                      <Protocol>
                        <Type>IMAP</Type>
                        <Server>%1$s</Server>
                        <Port>%2$d</Port>
                        <LoginName>%3$s</LoginName>
                        <DomainRequired>off</DomainRequired>
                        <SPA>off</SPA>
                        <SSL>on</SSL>
                        <AuthRequired>on</AuthRequired>
                      </Protocol>
                      <Protocol>
                        <Type>SMTP</Type>
                        <Server>%4$s</Server>
                        <Port>%5$d</Port>
                        <LoginName>%3$s</LoginName>
                        <DomainRequired>off</DomainRequired>
                        <SPA>off</SPA>
                        <SSL>on</SSL>
                        <AuthRequired>on</AuthRequired>
                      </Protocol>
                    </Account>
                  </Response>
                </Autodiscover>
                """.formatted(incoming(user), config.imap.tlsPort, login, outgoing(), config.submission.tlsPort));
    }

    /** A configuration profile for iOS and macOS Mail (com.apple.mail.managed), unsigned. */
    private void apple(Context ctx) {
        var user = user(ctx.queryParam("email"));
        String address = xml(user.toString());
        String id = "test.mailroom." + xml(config.zone());
        ctx.contentType("application/x-apple-aspen-config; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"" + config.zone() + ".mobileconfig\"")
                .result("""
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
                <plist version="1.0">
                <dict>
                  <key>PayloadContent</key>
                  <array>
                    <dict>
                      <key>EmailAccountDescription</key><string>%1$s</string>
                      <key>EmailAccountType</key><string>EmailTypeIMAP</string>
                      <key>EmailAddress</key><string>%1$s</string>
                      <key>IncomingMailServerAuthentication</key><string>EmailAuthPassword</string>
                      <key>IncomingMailServerHostName</key><string>%2$s</string>
                      <key>IncomingMailServerPortNumber</key><integer>%3$d</integer>
                      <key>IncomingMailServerUseSSL</key><true/>
                      <key>IncomingMailServerUsername</key><string>%1$s</string>
                      <key>OutgoingMailServerAuthentication</key><string>EmailAuthPassword</string>
                      <key>OutgoingMailServerHostName</key><string>%4$s</string>
                      <key>OutgoingMailServerPortNumber</key><integer>%5$d</integer>
                      <key>OutgoingMailServerUseSSL</key><true/>
                      <key>OutgoingMailServerUsername</key><string>%1$s</string>
                      <key>OutgoingPasswordSameAsIncomingPassword</key><true/>
                      <key>PayloadIdentifier</key><string>%6$s.account</string>
                      <key>PayloadType</key><string>com.apple.mail.managed</string>
                      <key>PayloadUUID</key><string>%7$s</string>
                      <key>PayloadVersion</key><integer>1</integer>
                    </dict>
                  </array>
                  <key>PayloadDisplayName</key><string>Mail for %1$s</string>
                  <key>PayloadIdentifier</key><string>%6$s</string>
                  <key>PayloadType</key><string>Configuration</string>
                  <key>PayloadUUID</key><string>%8$s</string>
                  <key>PayloadVersion</key><integer>1</integer>
                </dict>
                </plist>
                """.formatted(address, incoming(user), config.imap.tlsPort, outgoing(), config.submission.tlsPort, id,
                        uuid(user + "/account"), uuid(user + "/profile")));
    }

    /** The same profile for the same user gets the same UUIDs, so installing it again replaces it. */
    private static String uuid(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString().toUpperCase(java.util.Locale.ROOT);
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
