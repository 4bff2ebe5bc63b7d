require ["include", "fileinto"];
if true {
    return;
}
fileinto "Wrong";
