require ["body", "fileinto"];
if body :content "audio" :contains "" {
    fileinto "Wrong";
}
