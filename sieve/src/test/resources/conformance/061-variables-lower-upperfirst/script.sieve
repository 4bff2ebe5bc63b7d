require ["variables", "fileinto"];
set :lower :upperfirst "name" "hELLO wORLD";
fileinto "${name}";
