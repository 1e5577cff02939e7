#!/usr/bin/env bash
# Side by side, one run, same machine: the same MLP epoch (784-H-10, Adam, batch 128, 50000 examples) in tuna
# (2 threads) and in PyTorch (Debian's python3-torch) at 2 threads, the configuration the issue names, and at
# 1 thread, which is PyTorch's faster setting on this 2-core machine. Prints median epoch times and ratios.
# Usage: bench/mlp_vs_torch.sh [epochs=5]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/jdk.sh"
epochs="${1:-5}"
PY=/usr/bin/python3
$PY -c 'import torch' 2>/dev/null || { echo "PyTorch missing: apt-get install python3-torch" >&2; exit 2; }
(cd "$here" && mvn -q -B -DskipTests -pl bench -am package >&2)
log=$(mktemp)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
"$JAVA_HOME/bin/java" "${TUNA_JVM_FLAGS[@]}" -Xmx512m -Dtuna.threads=2 -cp "$here/bench/target/benchmarks.jar" \
  dev.tuna.bench.MlpEpoch 64,512 "$epochs" 2>/dev/null | tee -a "$log"
for t in 2 1; do
  $PY "$here/bench/peers/mlp_epoch_torch.py" "$t" 64,512 "$epochs" | sed "s/^torch /torch$t /" | tee -a "$log"
done
echo
printf '%-8s %10s %14s %14s %12s %12s\n' hidden tuna_s torch_2thr_s torch_1thr_s 'vs 2 thr' 'vs 1 thr'
for h in 64 512; do
  t=$(sed -n "s/^tuna hidden=$h epoch_median_s=\([0-9.]*\).*/\1/p" "$log")
  p2=$(sed -n "s/^torch2 hidden=$h epoch_median_s=\([0-9.]*\).*/\1/p" "$log")
  p1=$(sed -n "s/^torch1 hidden=$h epoch_median_s=\([0-9.]*\).*/\1/p" "$log")
  awk -v h="$h" -v t="$t" -v a="$p2" -v b="$p1" 'BEGIN{printf "%-8s %10s %14s %14s %11.2fx %11.2fx\n", h, t, a, b, a/t, b/t}'
done
rm -f "$log"
