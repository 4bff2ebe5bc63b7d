require ["fileinto", "mailbox"];
fileinto :create "Projects/Apollo";
