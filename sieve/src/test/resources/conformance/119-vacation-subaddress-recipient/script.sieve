require "vacation";
vacation :days 7 :addresses "alice+work@example.org" "I am away.";
