require ["include", "variables", "fileinto"];
global "target";
set "target" "Shared";
include :global "use-target";
