require ["date", "fileinto"];
if date :zone "+0000" :is "date" "hour" "09" {
    fileinto "UTC9";
}
