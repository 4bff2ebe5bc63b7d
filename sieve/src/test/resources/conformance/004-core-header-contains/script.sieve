require "fileinto";
if header :contains "SUBJECT" "urgent" {
    fileinto "Urgent";
} else {
    fileinto "Normal";
}
