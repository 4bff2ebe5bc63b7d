redirect "Carol@Example.NET";
