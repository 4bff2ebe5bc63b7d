package mailroom.sieve;

import mailroom.sieve.syntax.Bound;
import mailroom.sieve.syntax.Parser;
import mailroom.sieve.syntax.SieveException;
import mailroom.sieve.syntax.Validator;

import java.util.List;
import java.util.Set;

/** A compiled Sieve script: parsed and validated once, then run on any number of messages. */
public final class Script {
    private final List<Bound.Command> commands;
    private final Set<String> required;

    private Script(List<Bound.Command> commands, Set<String> required) {
        this.commands = commands;
        this.required = required;
    }

    /** Compiles a script, or says on which line and why it cannot be. */
    public static Script compile(String source) throws SieveException {
        Validator.Result result = Validator.validate(Parser.parse(source));
        return new Script(result.commands(), result.required());
    }

    /** Runs the script on one message; errors while running end in keeping the message (see {@link Outcome}). */
    public Outcome evaluate(MessageView message, Envelope envelope, Environment environment) {
        return new Interpreter(message, envelope, environment).run(this);
    }

    List<Bound.Command> commands() {
        return commands;
    }

    public Set<String> required() {
        return required;
    }
}
