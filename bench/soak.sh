#!/usr/bin/env bash
# Soak: a 100-trial search (bench/soak.sh [TRIALS]) whose memory must be flat after the first trials. Runs
# `tuna tune` on a synthetic 64-feature CSV with a space of 1-3 dense layers (widths, activations, dropout,
# batch norm, optimizers and batch sizes all searched), and samples the process every second: its resident set
# (VmRSS), the JVM's native memory (Native Memory Tracking, committed), and tuna's own native arenas as NMT
# counts them (Other). Prints one row per tenth of the trials and the growth from trial 10 to the end. Not a test:
# it prints the curve; README quotes it.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/jdk.sh"
trials=${1:-100}
work=$(mktemp -d /tmp/tuna-soak.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$work/data.csv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write(",".join(f"f{j}" for j in range(64)) + ",label\n")
    for _ in range(6000):
        y = random.randrange(4)
        f.write(",".join(f"{(1.0 if j % 4 == y else 0.0) + random.gauss(0, 0.7):.3f}" for j in range(64)) + f",{y}\n")
PY
cat > "$work/soak.yaml" <<YAML
data: {train: $work/data.csv, format: csv, label: label}
validation: {fraction: 0.2}
model:
  type: mlp
  num_layers: {int: [1, 3]}
  units: {int: [16, 256], step: 2, sampling: log}
  activation: {choice: [relu, gelu, tanh]}
  dropout: {float: [0.0, 0.5], step: 0.1}
  batch_norm: {bool: false}
  optimizer: {choice: [adam, rmsprop, sgd]}
  learning_rate: {float: [0.0001, 0.03], sampling: log}
train: {epochs: 2, batch_size: {choice: [64, 128, 256]}, seed: 7}
tune: {oracle: random, max_trials: $trials, objective: val_accuracy}
YAML
TUNA_JAVA_OPTS="-XX:NativeMemoryTracking=summary" "$here/tuna" tune "$work/soak.yaml" --study "$work/study" --device cpu --workers 1 \
  > "$work/tune.log" 2>&1 &
launcher=$!
pid=""
echo "trials_done rss_mb nmt_committed_mb nmt_other_mb" > "$work/samples"
set +e +o pipefail # a sample taken as the process exits may find nothing: skip it
while kill -0 "$launcher" 2>/dev/null; do
  [[ -z "$pid" ]] && pid=$( { pgrep -f "soak.yaml" || true; } | while read -r p; do [[ "$(cat /proc/$p/comm 2>/dev/null)" == java ]] && echo "$p"; done | head -1 || true)
  if [[ -n "$pid" && -f "$work/study/study.db" ]]; then
    done_=$(python3 -c "import sqlite3,sys; c=sqlite3.connect('file:$work/study/study.db?mode=ro', uri=True); print(c.execute(\"select count(*) from trials where state='COMPLETE'\").fetchone()[0])" 2>/dev/null || echo "")
    rss=$(awk '/VmRSS/{print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || echo "")
    nmt=$("$JAVA_HOME/bin/jcmd" "$pid" VM.native_memory summary scale=MB 2>/dev/null || true)
    committed=$(sed -n 's/^Total: reserved=[0-9]*MB, committed=\([0-9]*\)MB.*/\1/p' <<<"$nmt" | head -1)
    other=$(grep -A1 -- '- *Other' <<<"$nmt" | sed -n 's/.*committed=\([0-9]*\)MB.*/\1/p' | head -1)
    [[ -n "$done_" && -n "$rss" && -n "$committed" ]] && echo "$done_ $rss $committed ${other:-0}" >> "$work/samples"
  fi
  sleep 1
done
set -e -o pipefail
wait "$launcher" || { echo "tuna tune failed:"; tail -20 "$work/tune.log"; exit 1; }
python3 - "$work/samples" "$trials" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]).read().split("\n")[1:] if l.strip()]
rows = [tuple(int(v) for v in r) for r in rows]
n = int(sys.argv[2])
print(f"Soak: {n} trials, one worker; the last sample at or before each count of finished trials")
print(f"{'trials':>7} {'RSS MB':>7} {'NMT committed MB':>17} {'NMT Other MB':>13}")
marks = sorted(m for m in set([1, 5] + list(range(max(1, n // 10), n + 1, max(1, n // 10)))) if m <= n)
table = {}
for m in marks:
    seen = [r for r in rows if r[0] <= m]
    if seen:
        table[m] = seen[-1]
        r = seen[-1]
        print(f"{m:>7} {r[1]:>7} {r[2]:>17} {r[3]:>13}")
ten = next((table[m] for m in marks if m >= 10 and m in table), None)
last = rows[-1] if rows else None
if ten and last:
    print(f"growth from trial 10 to the end: RSS {last[1] - ten[1]:+d} MB, NMT committed {last[2] - ten[2]:+d} MB, NMT Other {last[3] - ten[3]:+d} MB")
PY
