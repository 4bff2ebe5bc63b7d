package mailroom.sieve;

import java.util.List;

/**
 * The result of running a script on one message: the actions in the order they were taken, and
 * the runtime errors met (a failed {@code fileinto} target, too many redirects). When there are
 * errors, delivery keeps the message in INBOX, as RFC 5228 section 2.10.6 asks.
 */
public record Outcome(List<Action> actions, List<String> errors) {

    public Outcome {
        actions = List.copyOf(actions);
        errors = List.copyOf(errors);
    }

    /** One line per action in {@link Action#describe() normal form}, in order. */
    public List<String> describe() {
        return actions.stream().map(Action::describe).toList();
    }
}
