require "fileinto";
if header :contains "x-mailer" "" {
    fileinto "Wrong";
} elsif header :contains "subject" "" {
    fileinto "HasSubject";
}
