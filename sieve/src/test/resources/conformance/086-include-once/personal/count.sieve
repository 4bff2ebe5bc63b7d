require ["include", "variables"];
global "runs";
set "runs" "${runs}x";
