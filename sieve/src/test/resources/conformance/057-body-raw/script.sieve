require ["body", "fileinto"];
if body :raw :contains "caf=C3=A9" {
    fileinto "Raw";
}
