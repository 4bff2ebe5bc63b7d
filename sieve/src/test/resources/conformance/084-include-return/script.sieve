require ["include", "fileinto"];
include "early";
fileinto "AfterInclude";
