require ["body", "fileinto"];
if body :text :contains "invoice" {
    fileinto "Invoices";
}
