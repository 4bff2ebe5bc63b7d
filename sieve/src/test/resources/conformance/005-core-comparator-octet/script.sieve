require "fileinto";
if header :comparator "i;octet" :contains "subject" "urgent" {
    fileinto "Urgent";
} else {
    fileinto "Normal";
}
