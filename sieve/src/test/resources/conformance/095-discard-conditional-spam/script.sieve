if header :is "x-spam-flag" "YES" {
    discard;
    stop;
}
keep;
