#!/usr/bin/env bash
# Compares the search strategies on a wider MLP space (examples/wide-mlp-search.yaml: depth, per-layer widths,
# activation, dropout, batch norm, residual, optimizer, learning rate, batch size) over several seeds: the
# median, over seeds, of the best val_accuracy found after 10, 20 and 40 trials, per oracle. Hyperband's
# trials are counted like any other (a promotion is a trial; its epochs are cheaper).
# Usage: bench/strategies.sh [seeds=3] [trials=40] [oracles="random bayesian genetic hyperband"] [extra tune flags...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="${1:-3}"; trials="${2:-40}"; oracles="${3:-random bayesian genetic hyperband}"; shift $(( $# < 3 ? $# : 3 ))
PY=/usr/bin/python3
work="${TUNA_BENCH_DIR:-$(mktemp -d)}"
"$here/tuna" --version >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F); studies in $work"
for s in $(seq 1 "$seeds"); do
  for o in $oracles; do
    t0=$(date +%s)
    # Hyperband's budget is its brackets (6 trials for 8 epochs at factor 3): enough iterations of them to
    # reach the same trial count as the others.
    if [[ $o == hyperband ]]; then how=(--set "tune.oracle={name: hyperband, hyperband_iterations: $(( trials / 6 + 1 ))}"); else how=(--oracle "$o"); fi
    "$here/tuna" tune "$here/examples/wide-mlp-search.yaml" "${how[@]}" --seed "$s" --max-trials "$trials" \
      --study "$work/$o-$s" --device cpu "$@" > "$work/$o-$s.log" 2>&1 || { echo "$o seed $s failed: see $work/$o-$s.log" >&2; exit 1; }
    "$here/tuna" trials --study "$work/$o-$s" --format json > "$work/$o-$s.json"
    echo "$o seed=$s done in $(( $(date +%s) - t0 ))s"
  done
done
$PY - "$work" "$seeds" "$trials" $oracles <<'PY'
import json, statistics, sys
work, seeds, trials, oracles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
marks = [m for m in (10, 20, 40) if m <= trials] or [trials]
print("\nmedian over %d seeds of the best val_accuracy after N trials" % seeds)
print("%-10s" % "oracle" + "".join("%10s" % ("N=%d" % m) for m in marks) + "%12s" % "epochs")
for o in oracles:
    row, epochs = [], []
    for m in marks:
        bests = []
        for s in range(1, seeds + 1):
            ts = json.load(open("%s/%s-%d.json" % (work, o, s)))
            vals = [t["val_accuracy"] for t in ts[:m] if t["state"] == "COMPLETE" and t["val_accuracy"] is not None]
            bests.append(max(vals) if vals else float("nan"))
        row.append(statistics.median(bests))
    for s in range(1, seeds + 1):
        ts = json.load(open("%s/%s-%d.json" % (work, o, s)))
        epochs.append(sum(sum(t["summary"].get("epochs_run", [])) for t in ts))
    print("%-10s" % o + "".join("%10.4f" % v for v in row) + "%12d" % statistics.median(epochs))
PY
