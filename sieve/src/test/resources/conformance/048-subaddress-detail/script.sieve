require ["envelope", "subaddress", "fileinto", "variables"];
if envelope :detail :matches "to" "*" {
    fileinto "${1}";
}
