require ["body", "fileinto"];
if body :content "text/html" :contains "<b>Big sale</b>" {
    fileinto "Html";
}
if body :content "text/html" :contains "unsubscribe" {
    fileinto "Wrong";
}
