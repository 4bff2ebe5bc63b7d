require ["vacation", "fileinto"];
fileinto "Away";
vacation :days 7 "I am away.";
