require ["include", "fileinto"];
include "halt";
fileinto "Wrong";
