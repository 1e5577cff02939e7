#!/usr/bin/env bash
# Side by side, one run, same machine: tuna's CPU SGEMM (Vector API) vs numpy/OpenBLAS float32 matmul, square
# sizes, same thread count. Each side reports the median GFLOP/s (2*m*n*k / time) of `runs` timed runs per size,
# after a warm-up; the two sides alternate for `rounds` rounds and the table keeps each side's best round (this
# box may be shared: a round disturbed by other load is dropped rather than averaged in).
# Usage: bench/gemm_vs_openblas.sh [sizes=512,1000,1023,1024,1536,2048] [threads=2] [runs=11] [rounds=2]
# Sizes may also be MxKxN with an optional :TN, :NT or :TT suffix (transposed operands).
# PYTHON=/path/to/python3 picks the numpy to compare with (default /usr/bin/python3, Debian's numpy + OpenBLAS).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sizes="${1:-512,1000,1023,1024,1536,2048}"; threads="${2:-2}"; runs="${3:-11}"; rounds="${4:-2}"

if [[ -f "$here/scripts/jdk.sh" ]]; then
  source "$here/scripts/jdk.sh"
else
  java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1; }
  if [[ -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/java" || "$(java_major "$JAVA_HOME" | cut -d. -f1)" -lt 25 ]]; then
    JAVA_HOME=""
    for d in /usr/lib/jvm/*25* /usr/lib/jvm/*-2[6-9]*; do [[ -x "$d/bin/javac" ]] && { JAVA_HOME="$d"; break; }; done
    [[ -n "$JAVA_HOME" ]] || { echo "JDK 25+ not found: set JAVA_HOME" >&2; exit 2; }
  fi
  export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
fi
PY="${PYTHON:-/usr/bin/python3}"
"$PY" -c 'import numpy' 2>/dev/null || PY=python3
"$PY" -c 'import numpy' 2>/dev/null || { echo "numpy missing: apt-get install -y python3-numpy libopenblas0" >&2; exit 2; }

(cd "$here" && mvn -q -B -DskipTests package -pl bench -am >&2)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F), threads=$threads"
for ((round = 1; round <= rounds; round++)); do
  echo "# round $round/$rounds"
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m \
    -Dtuna.threads="$threads" -cp "$here/bench/target/benchmarks.jar" dev.tuna.bench.GemmGflops "$sizes" "$runs" \
    2>/dev/null | sed 's/^\([^#]\)/tuna \1/' | tee -a "$log"
  # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE (set in some environments) slow a current OpenBLAS down: drop them here.
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OMP_NUM_THREADS="$threads" \
    "$PY" "$here/bench/gemm_gflops.py" "$sizes" "$runs" | sed 's/^\([^#]\)/openblas \1/' | tee -a "$log"
done
echo
printf '%-14s %12s %16s %8s\n' size tuna_GFLOPs openblas_GFLOPs ratio
IFS=',' read -ra list <<< "$sizes"
for s in "${list[@]}"; do
  t=$(awk -v s="$s" '$1 == "tuna" && $2 == s && $3 > b {b = $3} END {print b + 0}' "$log")
  o=$(awk -v s="$s" '$1 == "openblas" && $2 == s && $3 > b {b = $3} END {print b + 0}' "$log")
  printf '%-14s %12s %16s %7.2fx\n' "$s" "$t" "$o" "$(awk -v o="$o" -v t="$t" 'BEGIN { print (o > 0 ? t / o : 0) }')"
done
