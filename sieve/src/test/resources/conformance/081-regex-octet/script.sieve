require ["regex", "fileinto"];
if header :regex :comparator "i;octet" "subject" "^quarterly" {
    fileinto "Wrong";
} elsif header :regex "subject" "^quarterly" {
    fileinto "Casemap";
}
