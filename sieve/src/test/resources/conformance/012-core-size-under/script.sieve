require "fileinto";
if size :over 1K {
    fileinto "Big";
} elsif size :under 1K {
    fileinto "Small";
}
