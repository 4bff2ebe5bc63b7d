require ["subaddress", "fileinto"];
if address :detail "to" "news" {
    fileinto "News";
}
