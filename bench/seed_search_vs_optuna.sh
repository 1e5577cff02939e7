#!/usr/bin/env bash
# Side by side, one run, same machine: the seed notebook's search on Fashion-MNIST (units 16-64 step 16,
# adam or rmsprop, 20 trials x 2 executions, up to 40 epochs, early stopping on val_loss with patience 3,
# batch 128) in tuna (examples/seed-search.yaml, Bayesian) and in Optuna (TPE) + PyTorch (Debian's
# python3-optuna and python3-torch), PyTorch at 1 thread (its faster setting on 2 cores) and at its default.
# Prints wall times (data loading included), best val_accuracy and the ratios.
# Usage: bench/seed_search_vs_optuna.sh [trials=20] [executions=2] [torch thread settings="1 default"]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
trials="${1:-20}"; execs="${2:-2}"; settings="${3:-1 default}"
PY=/usr/bin/python3
$PY -c 'import torch, optuna' 2>/dev/null || { echo "needs python3-torch and python3-optuna: apt-get install python3-torch python3-optuna" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$here/tuna" --version >/dev/null   # build outside the timed run
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
t0=$(date +%s.%N)
"$here/tuna" tune "$here/examples/seed-search.yaml" --study "$work/seed" --device cpu \
  --max-trials "$trials" --executions-per-trial "$execs" > "$work/tuna.log" 2>&1
t1=$(date +%s.%N)
tuna_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')
tuna_best=$("$here/tuna" best --study "$work/seed" --format json | $PY -c 'import json,sys; print("%.4f" % json.load(sys.stdin)[0]["val_accuracy"])')
tuna_epochs=$("$here/tuna" trials --study "$work/seed" --format json | $PY -c '
import json,sys; print(sum(sum(t["summary"].get("epochs_run", [])) for t in json.load(sys.stdin)))')
echo "tuna wall_s=$tuna_wall best_val_accuracy=$tuna_best total_epochs=$tuna_epochs"
printf '\n%-28s %10s %18s %13s %10s\n' peer wall_s best_val_accuracy total_epochs 'tuna is'
printf '%-28s %10s %18s %13s %10s\n' "tuna (bayesian, 2 threads)" "$tuna_wall" "$tuna_best" "$tuna_epochs" "-"
for th in $settings; do
  args=(--trials "$trials" --executions "$execs")
  [[ "$th" != default ]] && args+=(--threads "$th")
  $PY "$here/bench/peers/seed_search_optuna.py" "${args[@]}" > "$work/peer-$th.log" 2>&1
  tail -1 "$work/peer-$th.log" | $PY -c '
import json, sys
r = json.loads(sys.stdin.read()); th, tw = sys.argv[1], float(sys.argv[2])
print("%-28s %10.1f %18.4f %13d %9.2fx" % ("optuna+torch (%s thr)" % (r["threads"]), r["wall_seconds"], r["best_val_accuracy"], r["total_epochs"], r["wall_seconds"] / tw))
' "$th" "$tuna_wall"
done
