require ["fileinto", "imap4flags", "variables"];
set "myflags" "\\Seen";
addflag "myflags" "$Label1";
fileinto :flags "${myflags}" "Labelled";
keep;
