require ["envelope", "fileinto"];
if envelope :domain :is "to" "example.org" {
    fileinto "Local";
}
