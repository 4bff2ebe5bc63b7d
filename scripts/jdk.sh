# Sourced by ./mailroom and ./run-tests: sets JAVA_HOME to a JDK 21 or newer (JAVA_HOME first, then
# the newest under /usr/lib/jvm), or fails with one line.

java_major() { # major version of the java binary in $1, or 0
  # The JDK's release file says it without starting a JVM (which every start of ./mailroom would
  # wait for); read with shell builtins only.
  local line
  if [[ -f "${1%/bin/java}/release" ]]; then
    while IFS= read -r line; do
      if [[ "$line" =~ ^JAVA_VERSION=\"([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; return; fi
    done < "${1%/bin/java}/release"
  fi
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }' || echo 0
}

find_jdk() {
  local candidates=() home
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  while IFS= read -r home; do candidates+=("$home"); done < <(ls -d /usr/lib/jvm/*/ 2>/dev/null | sed 's:/$::' | sort -Vr)
  for home in "${candidates[@]}"; do
    if [[ -x "$home/bin/java" && -x "$home/bin/javac" ]] && (( $(java_major "$home/bin/java") >= 21 )); then
      echo "$home"; return 0
    fi
  done
  return 1
}

JAVA_HOME="$(find_jdk)" || { echo "mailroom: needs a JDK 21 or newer (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2; exit 1; }
export JAVA_HOME
