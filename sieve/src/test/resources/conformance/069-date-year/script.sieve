require ["date", "fileinto"];
if date :is "date" "year" "2025" {
    fileinto "2025";
}
