require ["encoded-character", "fileinto"];
if header :contains "subject" "${hex:51 75 61 72}terly" {
    fileinto "${unicode:00DC}bersicht";
}
