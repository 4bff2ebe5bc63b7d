require ["include"];
include :personal "filters";
