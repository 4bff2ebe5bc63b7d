require ["date", "fileinto"];
if date :originalzone :is "date" "hour" "10" {
    fileinto "Local10";
}
