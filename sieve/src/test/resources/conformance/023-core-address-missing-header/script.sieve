require "fileinto";
if address :is "cc" "carol@example.org" {
    fileinto "Wrong";
} else {
    fileinto "NoCc";
}
