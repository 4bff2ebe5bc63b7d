require "fileinto";
if header :is "Subject" "QUARTERLY REPORT" {
    fileinto "Reports";
}
