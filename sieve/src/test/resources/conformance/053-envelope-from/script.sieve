require ["envelope", "fileinto"];
if envelope :is "from" "bounces-42@lists.example.com" {
    fileinto "ViaList";
}
