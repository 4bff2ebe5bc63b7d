require ["variables", "fileinto"];
if address :matches :domain "from" "*.com" {
    fileinto "From-${0}";
}
