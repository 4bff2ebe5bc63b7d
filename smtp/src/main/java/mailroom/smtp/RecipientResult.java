package mailroom.smtp;

/** What one delivery attempt came to for one recipient: a 2xx, or the refusal (4xx retry, 5xx final). */
record RecipientResult(String address, Reply reply) {}
