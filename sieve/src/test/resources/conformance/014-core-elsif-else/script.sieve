require "fileinto";
if header :contains "subject" "invoice" {
    fileinto "Invoices";
} elsif header :contains "subject" "report" {
    fileinto "Reports";
} elsif header :contains "subject" "quarterly" {
    fileinto "Wrong";
} else {
    fileinto "Other";
}
