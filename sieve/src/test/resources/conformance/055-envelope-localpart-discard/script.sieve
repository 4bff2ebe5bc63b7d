require "envelope";
if envelope :localpart :matches "from" "newsletter*" {
    discard;
}
