require ["envelope", "subaddress", "fileinto"];
if envelope :user "to" "alice" {
    fileinto "Mine";
}
