if header :is "subject" "Nothing like this" {
    discard;
}
