require "fileinto";
if allof (exists ["List-Id", "List-Post"], header :contains "list-id" "dev") {
    fileinto "Dev";
}
if exists ["List-Id", "X-Not-There"] {
    fileinto "Wrong";
}
