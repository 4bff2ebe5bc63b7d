require "fileinto";
if address :is "from" "bob@example.com" {
    redirect "assistant@example.net";
}
fileinto "Seen";
