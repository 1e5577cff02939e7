# Sourced by ./tuna, ./run-tests and the bench scripts: sets JAVA_HOME to a JDK 25 or newer.
# JAVA_HOME wins when it is 25+; otherwise the first /usr/lib/jvm/*25* (or newer) with a javac.
tuna_java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1; }

tuna_find_jdk() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    local v; v=$(tuna_java_major "$JAVA_HOME")
    if [[ "${v%%.*}" -ge 25 ]]; then echo "$JAVA_HOME"; return 0; fi
  fi
  local d
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/*-2[6-9]* /usr/lib/jvm/*-2[6-9]-*; do
    if [[ -x "$d/bin/javac" ]]; then echo "$d"; return 0; fi
  done
  echo "tuna: JDK 25 not found: set JAVA_HOME to a JDK 25+ or install one under /usr/lib/jvm (for example Temurin 25)" >&2
  return 2
}

JAVA_HOME="$(tuna_find_jdk)" || exit 2
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# The JVM flags every tuna process needs: the Vector API and native (FFM) access.
# -XX:-UseProfiledLoopPredicate: see the note in core/.../backend/cpu/VectorOps.java (a 10x slowdown without it).
# XGBoost allocates its dense matrices with sun.misc.Unsafe, which JDK 24+ warns about unless allowed.
TUNA_JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xss4m -XX:-UseProfiledLoopPredicate)
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
