#!/usr/bin/env bash
# Side by side, one run, same machine: tuna against scikit-learn on scikit-learn's own tabular data sets, on the
# same 5 seeded 80/20 splits (scripts/sklearn-data --seed S):
#   breast cancer (binary): test AUC; diabetes (regression): test RMSE.
# tuna: tune examples/<set>-search.yaml (20 Bayesian trials of an MLP on standardised columns), then
#       tuna ensemble --gbt (the 3 best retrained + XGBoost, weights fitted on validation with the task's loss),
#       scored by tuna predict on the test split.
# scikit-learn (Debian's python3-sklearn): HistGradientBoosting{Classifier,Regressor} with defaults, and
#       LogisticRegressionCV / RidgeCV on standardised features (bench/peers/tabular_sklearn.py).
# Prints each split's figures, then the median and the range over the seeds as a markdown table.
# Usage: bench/tabular_vs_sklearn.sh [seeds="0 1 2 3 4"] [trials=20]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seeds="${1:-0 1 2 3 4}"; trials="${2:-20}"
PY=/usr/bin/python3
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
"$here/tuna" --version >/dev/null   # build outside the timed runs
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F)"
results="$work/results.jsonl"
for seed in $seeds; do
  "$here/scripts/sklearn-data" --seed "$seed" --out "$work/data-$seed" >/dev/null
  for set in breast-cancer diabetes; do
    task=binary; [[ $set == diabetes ]] && task=regression
    train="$work/data-$seed/$set-train.csv"; test="$work/data-$seed/$set-test.csv"
    study="$work/study-$set-$seed"
    t0=$(date +%s.%N)
    "$here/tuna" tune "$here/examples/$set-search.yaml" --device cpu --study "$study" --max-trials "$trials" --seed "$seed" \
      --set "data.train=$train" --set "data.test=$test" > "$work/tune-$set-$seed.log" 2>&1
    "$here/tuna" ensemble --study "$study" --gbt > "$work/ensemble-$set-$seed.log" 2>&1
    "$here/tuna" predict --model "$study/ensemble" --data "$test" --out "$work/p-$set-$seed.csv" > "$work/predict-$set-$seed.log" 2>&1
    t1=$(date +%s.%N)
    line=$(grep "labelled examples" "$work/predict-$set-$seed.log")
    $PY - "$seed" "$set" "$task" "$line" "$t0" "$t1" >> "$results" <<'PY'
import json, re, sys
seed, s, task, line, t0, t1 = sys.argv[1:]
m = re.search(r"AUC ([\d.]+)" if task == "binary" else r"RMSE ([\d.]+)", line)
key = "test_auc" if task == "binary" else "test_rmse"
print(json.dumps({"seed": int(seed), "set": s, "model": "tuna (MLP search + ensemble --gbt)", key: float(m.group(1)),
                  "seconds": float(t1) - float(t0)}))
PY
    $PY "$here/bench/peers/tabular_sklearn.py" --train "$train" --test "$test" --task "$task" --seed "$seed" \
      | $PY -c 'import json,sys; [print(json.dumps({**json.loads(l), "seed": int(sys.argv[1]), "set": sys.argv[2]})) for l in sys.stdin]' "$seed" "$set" >> "$results"
    tail -n 3 "$results" | $PY -c 'import json,sys
for l in sys.stdin:
    r = json.loads(l); k = "test_auc" if "test_auc" in r else "test_rmse"
    print("seed %d %-14s %-40s %s %.4f" % (r["seed"], r["set"], r["model"], k, r[k]))'
  done
done
$PY - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print()
for s, key, better in (("breast-cancer", "test_auc", "higher"), ("diabetes", "test_rmse", "lower")):
    print(f"{s}: {key} over {len({r['seed'] for r in rows})} seeded splits ({better} is better)\n")
    print("| model | median | min | max |\n|---|---|---|---|")
    for model in dict.fromkeys(r["model"] for r in rows if r["set"] == s):
        v = [r[key] for r in rows if r["set"] == s and r["model"] == model]
        print(f"| {model} | {statistics.median(v):.4f} | {min(v):.4f} | {max(v):.4f} |")
    print()
PY
