require ["variables", "fileinto"];
set "first" "Mail";
set :upperfirst "second" "room";
fileinto "${first}${second}";
