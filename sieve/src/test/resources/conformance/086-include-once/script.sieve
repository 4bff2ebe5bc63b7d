require ["include", "variables", "fileinto"];
global "runs";
include :once "count";
include :once "count";
fileinto "Once-${runs}";
set "runs" "";
include "count";
include "count";
fileinto "Twice-${runs}";
