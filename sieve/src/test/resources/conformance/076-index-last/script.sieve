require ["index", "fileinto"];
if header :index 1 :last :contains "received" "from c.example.net" {
    fileinto "Origin";
}
