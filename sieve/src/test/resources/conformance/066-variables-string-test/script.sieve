require ["variables", "fileinto"];
set "mode" "work";
if allof (string :is "${mode}" "work", string :is "${unset}" "") {
    fileinto "Work";
}
