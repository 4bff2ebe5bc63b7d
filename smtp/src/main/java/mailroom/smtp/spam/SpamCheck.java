package mailroom.smtp.spam;

import mailroom.core.config.Config;
import mailroom.core.metrics.Meters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The "score" stage of delivery (DESIGN section 8: check, score, filter, file): each message from
 * outside goes to rspamd with its envelope before the sorter says 250, and rspamd's action becomes
 * a refusal (reject, soft reject, greylist) or header fields in front of the stored message, which
 * {@link SpamVerdict} reads again when the message is filed. A scan that fails or takes too long
 * accepts the message unscored: mail is never lost to the spam filter being away.
 */
public final class SpamCheck implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SpamCheck.class);

    /** What the sorter knows about a message when it is scored. */
    public record Envelope(String queueId, String clientIp, String helo, String mailFrom, List<String> recipients) {}

    /** What intake does with the message. */
    public sealed interface Decision {
        /** Take it, with these header fields (ending in CRLF; empty when unscored) in front. */
        record Accept(String headers) implements Decision {}

        /** Refuse it with this SMTP reply. */
        record Refuse(int code, String status, String text) implements Decision {}
    }

    /** Opens the message as it arrived, from its first header field. */
    @FunctionalInterface
    public interface Body {
        InputStream open() throws IOException;
    }

    private final Rspamd rspamd;
    private final Set<Action> honoured;
    private final String hostname;

    private SpamCheck(Rspamd rspamd, Set<Action> honoured, String hostname) {
        this.rspamd = rspamd;
        this.honoured = honoured;
        this.hostname = hostname;
    }

    /** The stage as configured, or empty when no rspamd address is set. */
    public static Optional<SpamCheck> of(Config.Spam config, String hostname) {
        if (config.rspamdUrl.isBlank()) return Optional.empty();
        Set<Action> honoured = EnumSet.noneOf(Action.class);
        for (String name : config.actions) honoured.add(Action.parse(name).orElseThrow());
        return Optional.of(new SpamCheck(new Rspamd(config.rspamdUrl, config.timeout), honoured, hostname));
    }

    /**
     * Scores the message: {@code front} (our trace and Authentication-Results fields) followed by
     * {@code size} bytes of {@code body}, which is how it will be stored.
     */
    public Decision check(Envelope envelope, String front, long size, Body body) throws InterruptedException {
        byte[] frontBytes = front.getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        Rspamd.Result result;
        try {
            result = rspamd.check(new Rspamd.Request(envelope.queueId(), envelope.clientIp(), envelope.helo(), envelope.mailFrom(),
                    envelope.recipients(), hostname), frontBytes.length + size, () -> {
                try {
                    return new SequenceInputStream(new ByteArrayInputStream(frontBytes), body.open());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // Fail open: an unreachable or slow scanner must not cost mail (nor make senders retry it).
            Meters.spamCheck("failed");
            log.warn("spam check of {} skipped, accepting unscored: {} ({})", envelope.queueId(), rspamd.uri(), describe(e));
            return new Decision.Accept("");
        }
        Action action = effective(result.action());
        Meters.spamCheck(action.wire());
        log.info("spam check of {} from <{}> [{}]: {} (rspamd: {}), score {} of {}, {} ms", envelope.queueId(), envelope.mailFrom(),
                envelope.clientIp(), action.wire(), result.action().wire(), format(result.score()), format(result.requiredScore()),
                (System.nanoTime() - start) / 1_000_000);
        return decide(action, result);
    }

    /** rspamd's action as this site acts on it: one not honoured is "no action", but a reject still marks spam. */
    Action effective(Action proposed) {
        if (honoured.contains(proposed)) return proposed;
        return proposed == Action.REJECT && honoured.contains(Action.ADD_HEADER) ? Action.ADD_HEADER : Action.NO_ACTION;
    }

    static Decision decide(Action action, Rspamd.Result result) {
        return switch (action) {
            case REJECT -> new Decision.Refuse(550, "5.7.1", "Message refused as spam");
            case SOFT_REJECT -> new Decision.Refuse(451, "4.7.1", "Message deferred, try again later");
            // RFC 6647: greylisting answers a temporary failure that a real MTA retries
            case GREYLIST -> new Decision.Refuse(451, "4.7.1", "Greylisted, try again later");
            case ADD_HEADER, REWRITE_SUBJECT -> new Decision.Accept(headers(true, action, result));
            case NO_ACTION -> new Decision.Accept(headers(false, action, result));
        };
    }

    /**
     * The fields we put in front of every scored message: {@code X-Spam} (what filing goes by, see
     * {@link SpamVerdict}), the score, and SpamAssassin-style status with the symbols, folded.
     */
    static String headers(boolean spam, Action action, Rspamd.Result result) {
        StringBuilder status = new StringBuilder("X-Spam-Status: ").append(spam ? "Yes" : "No")
                .append(", score=").append(format(result.score())).append(" required=").append(format(result.requiredScore()))
                .append(" action=\"").append(action.wire()).append("\"");
        if (!result.symbols().isEmpty()) {
            status.append("\r\n\ttests=");
            int line = "\ttests=".length();
            boolean first = true;
            for (Map.Entry<String, Double> symbol : result.symbols().entrySet()) {
                String item = symbol.getKey().replaceAll("[^A-Za-z0-9_.-]", "") + "(" + format(symbol.getValue()) + ")";
                if (!first && line + 2 + item.length() > 76) { // RFC 5322 section 2.1.1: lines of 78 at most
                    status.append(",\r\n\t");
                    line = 1;
                } else if (!first) {
                    status.append(", ");
                    line += 2;
                }
                status.append(item);
                line += item.length();
                first = false;
            }
        }
        return SpamVerdict.FIELD + ": " + (spam ? "Yes" : "No") + "\r\n"
                + "X-Spam-Score: " + format(result.score()) + "\r\n"
                + status + "\r\n";
    }

    @Override
    public void close() {
        rspamd.close();
    }

    private static String format(double score) {
        return String.format(Locale.ROOT, "%.2f", score);
    }

    private static String describe(Exception e) {
        Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
        String message = t.getMessage();
        return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
