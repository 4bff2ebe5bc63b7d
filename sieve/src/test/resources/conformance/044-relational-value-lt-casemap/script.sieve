require ["fileinto", "relational"];
if header :value "lt" "subject" "m" {
    fileinto "FirstHalf";
} else {
    fileinto "SecondHalf";
}
