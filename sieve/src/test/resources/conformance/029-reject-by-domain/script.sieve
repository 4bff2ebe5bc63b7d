require ["reject"];
if address :domain :is "from" "example.com" {
    reject text:
Your message was refused.
Please write to the office instead.
.
;
}
