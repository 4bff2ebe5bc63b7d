require ["variables", "fileinto"];
set :upper "a" "team";
set :lowerfirst "b" "ALPHA";
fileinto "${a}-${b}";
