require ["fileinto", "mailbox"];
if mailboxexists "Missing" {
    fileinto "Missing";
} elsif mailboxexists ["INBOX", "Work"] {
    fileinto "Work";
}
