require ["fileinto", "imap4flags"];
setflag "a b c";
removeflag "b";
if hasflag :is "b" {
    fileinto "Wrong";
} elsif hasflag :is "c" {
    fileinto "Right";
}
