require "fileinto";
if size :over 2K {
    fileinto "Big";
}
