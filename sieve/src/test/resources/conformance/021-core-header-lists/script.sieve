require "fileinto";
if header :contains ["to", "cc"] ["carol", "dave"] {
    fileinto "Team";
}
