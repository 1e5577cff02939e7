#!/usr/bin/env bash
# Side by side, one run, same machine: the same MLP epoch (784-H-10, Adam, batch 128, 50000 examples,
# 2 threads) in tuna and in PyTorch (Debian's python3-torch). Prints each median epoch time and the ratio.
# Usage: bench/mlp_vs_torch.sh [epochs=5] [threads=2]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/jdk.sh"
epochs="${1:-5}"; threads="${2:-2}"
PY=/usr/bin/python3
$PY -c 'import torch' 2>/dev/null || { echo "PyTorch missing: apt-get install python3-torch" >&2; exit 2; }
(cd "$here" && mvn -q -B -DskipTests -pl bench -am package >&2)
log=$(mktemp)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
"$JAVA_HOME/bin/java" "${TUNA_JVM_FLAGS[@]}" -Xmx512m -Dtuna.threads="$threads" -cp "$here/bench/target/benchmarks.jar" \
  dev.tuna.bench.MlpEpoch 64,512 "$epochs" 2>/dev/null | tee -a "$log"
OMP_NUM_THREADS="$threads" $PY "$here/bench/peers/mlp_epoch_torch.py" "$threads" 64,512 "$epochs" | tee -a "$log"
echo
printf '%-8s %12s %12s %8s\n' hidden tuna_s torch_s speedup
for h in 64 512; do
  t=$(sed -n "s/^tuna hidden=$h epoch_median_s=\([0-9.]*\).*/\1/p" "$log")
  p=$(sed -n "s/^torch hidden=$h epoch_median_s=\([0-9.]*\).*/\1/p" "$log")
  printf '%-8s %12s %12s %7.2fx\n' "$h" "$t" "$p" "$(awk -v p="$p" -v t="$t" 'BEGIN{print p/t}')"
done
rm -f "$log"
