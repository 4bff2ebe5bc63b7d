require "fileinto";
if header :contains "received" "mx2.example.org" {
    fileinto "ViaMx2";
}
