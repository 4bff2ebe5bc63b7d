require ["fileinto", "mailbox"];
if mailboxexists "Nowhere" {
    fileinto "Nowhere";
}
