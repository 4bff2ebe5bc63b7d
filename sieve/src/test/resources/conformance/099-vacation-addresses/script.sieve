require "vacation";
vacation :days 7 :addresses ["alice.smith@example.org", "a.smith@example.org"] "I am away.";
