require ["body", "fileinto"];
if body :content "text" :contains "unsubscribe" {
    fileinto "Newsletters";
}
