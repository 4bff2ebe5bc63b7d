require ["envelope", "subaddress", "fileinto"];
if envelope :detail :matches "to" "*" {
    fileinto "Detail";
}
