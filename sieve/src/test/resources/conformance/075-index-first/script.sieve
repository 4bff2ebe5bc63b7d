require ["index", "fileinto"];
if header :index 1 :contains "received" "by mx1.example.org" {
    fileinto "First";
}
if header :index 1 :contains "received" "by b.example.net" {
    fileinto "Wrong";
}
