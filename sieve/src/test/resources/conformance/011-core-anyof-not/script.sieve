require "fileinto";
if anyof (header :is "subject" "nope", not exists "X-Spam-Flag") {
    fileinto "Clean";
}
