require ["include", "fileinto"];
include :global "company";
fileinto "Included";
