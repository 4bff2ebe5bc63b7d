require ["variables", "fileinto"];
set :quotewildcard "pattern" "50* off";
if header :matches "subject" "${pattern}*" {
    fileinto "Offers";
}
