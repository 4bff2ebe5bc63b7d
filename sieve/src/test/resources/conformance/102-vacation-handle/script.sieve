require "vacation";
vacation :days 14 :handle "summer" :subject "Summer break" "On holiday until September.";
