require ["envelope", "subaddress", "fileinto"];
if envelope :detail :is "to" "" {
    fileinto "EmptyDetail";
}
