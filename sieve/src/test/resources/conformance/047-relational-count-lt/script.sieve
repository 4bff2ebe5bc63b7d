require ["fileinto", "relational", "comparator-i;ascii-numeric"];
if header :count "lt" :comparator "i;ascii-numeric" "x-absent" "1" {
    fileinto "NoneOfThem";
}
