require "fileinto";
if header :matches "subject" "50\\* off*" {
    fileinto "Offers";
}
if header :matches "subject" "50\\* on*" {
    fileinto "Wrong";
}
