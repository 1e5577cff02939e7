#!/usr/bin/env bash
# Side by side, one run, same machine: the seed notebook's search on Fashion-MNIST (units 16-64 step 16,
# adam or rmsprop, 20 trials x 2 executions, up to 40 epochs, early stopping on val_loss with patience 3,
# batch 128) in tuna (examples/seed-search.yaml, Bayesian) and in Optuna (TPE) + PyTorch (Debian's
# python3-optuna and python3-torch), PyTorch at 1 thread (its default here, and its faster setting on 2 cores).
# Prints wall times (data loading included), best val_accuracy and the ratios.
# Usage: bench/seed_search_vs_optuna.sh [trials=20] [executions=2] [torch thread settings="1", e.g. "1 2"]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
trials="${1:-20}"; execs="${2:-2}"; settings="${3:-1}"
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
read -r tuna_trials tuna_epochs < <("$here/tuna" trials --study "$work/seed" --format json | $PY -c '
import json,sys; ts = json.load(sys.stdin); print(len(ts), sum(sum(t["summary"].get("epochs_run", [])) for t in ts))')
echo "tuna wall_s=$tuna_wall best_val_accuracy=$tuna_best trials=$tuna_trials total_epochs=$tuna_epochs"
printf '\n%-30s %8s %18s %7s %13s %9s %10s\n' run wall_s best_val_accuracy trials total_epochs s/epoch 'tuna is'
awk -v w="$tuna_wall" -v b="$tuna_best" -v t="$tuna_trials" -v e="$tuna_epochs" \
  'BEGIN{printf "%-30s %8.1f %18s %7d %13d %9.3f %10s\n", "tuna (bayesian, auto workers)", w, b, t, e, w/e, "-"}'
for th in $settings; do
  args=(--trials "$trials" --executions "$execs")
  [[ "$th" != default ]] && args+=(--threads "$th")
  $PY "$here/bench/peers/seed_search_optuna.py" "${args[@]}" > "$work/peer-$th.log" 2>&1
  tail -1 "$work/peer-$th.log" | $PY -c '
import json, sys
r = json.loads(sys.stdin.read()); th, tw = sys.argv[1], float(sys.argv[2])
print("%-30s %8.1f %18.4f %7d %13d %9.3f %9.2fx" % ("optuna TPE + torch (%s thread%s)" % (r["threads"], "" if r["threads"] == 1 else "s"),
    r["wall_seconds"], r["best_val_accuracy"], r["trials"], r["total_epochs"], r["wall_seconds"] / r["total_epochs"], r["wall_seconds"] / tw))
' "$th" "$tuna_wall"
done
