require "fileinto";
keep;
fileinto "Copy";
