require ["regex", "fileinto"];
if address :regex :domain "from" "(^|\\.)example\\.(com|net)$" {
    fileinto "Partners";
}
