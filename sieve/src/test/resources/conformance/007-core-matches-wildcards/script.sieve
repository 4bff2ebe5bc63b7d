require "fileinto";
if header :matches "subject" "Q?arterly *" {
    fileinto "Reports";
}
