require ["date", "fileinto"];
if allof (date :originalzone :is "date" "weekday" "1", date :originalzone :is "date" "month" "02") {
    fileinto "MondayFeb";
}
