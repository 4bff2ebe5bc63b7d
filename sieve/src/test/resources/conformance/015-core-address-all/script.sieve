require "fileinto";
if address :all :is "from" "bob@example.com" {
    fileinto "Bob";
}
if address :is "from" "Bob Sender" {
    fileinto "Wrong";
}
