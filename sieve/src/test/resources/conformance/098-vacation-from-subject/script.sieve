require "vacation";
vacation :days 7 :from "alice-away@example.org" :subject "Away from the office" "I am away.";
