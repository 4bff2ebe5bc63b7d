require ["variables", "fileinto", "relational", "comparator-i;ascii-numeric"];
if header :matches "subject" "*" {
    set :length "len" "${1}";
}
if string :value "gt" :comparator "i;ascii-numeric" "${len}" "10" {
    fileinto "Long-${len}";
}
