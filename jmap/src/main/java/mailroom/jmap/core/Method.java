package mailroom.jmap.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** One JMAP method: its arguments in, its response arguments out, or a {@link MethodError}. */
@FunctionalInterface
public interface Method {
    ObjectNode call(ObjectNode arguments, Call call) throws MethodError;
}
