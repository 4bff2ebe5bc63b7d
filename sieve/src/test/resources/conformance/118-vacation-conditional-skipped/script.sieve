require "vacation";
if header :contains "subject" "urgent" {
    vacation "I am away.";
}
