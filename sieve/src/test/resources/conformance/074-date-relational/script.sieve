require ["date", "relational", "fileinto"];
if date :originalzone :value "ge" "date" "date" "2025-01-01" {
    fileinto "ThisYear";
}
