require "fileinto";
if header :contains "subject" "report" {
    stop;
}
fileinto "Later";
