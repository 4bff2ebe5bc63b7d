require "fileinto";
if allof (address :domain :is "from" "EXAMPLE.com", address :localpart :is "to" "alice") {
    fileinto "Known";
}
