require ["date", "index", "fileinto"];
if date :index 2 :originalzone :is "received" "second" "04" {
    fileinto "Second4";
} elsif date :originalzone :is "received" "second" "05" {
    fileinto "First5";
}
