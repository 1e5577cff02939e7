#!/usr/bin/env bash
# Side by side, one run, same machine: tuna's oracles (random, genetic, bayesian; driven in memory by
# dev.tuna.bench.BlackBoxRun, no study store) and Optuna's TPE (Debian's python3-optuna, default settings) on
# Branin, Hartmann6 and Goldstein-Price, N evaluations and seeds 0..S-1 each, beside scikit-optimize's published
# rows (benchmarks/README.md: gp_minimize and dummy_minimize, 10 runs of 200 calls). Prints the JSON lines of
# every run, then a markdown table per function of the best value found (median, mean +/- std, min, max, IQR).
# Usage: bench/blackbox_vs_optuna.sh [evaluations=200] [seeds=10] [oracles=random,genetic,bayesian]
#        [functions=branin,hartmann6,goldstein_price] [java threads=2]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/scripts/jdk.sh"
evals="${1:-200}"; seeds="${2:-10}"; oracles="${3:-random,genetic,bayesian}"
functions="${4:-branin,hartmann6,goldstein_price}"; threads="${5:-2}"
PY=/usr/bin/python3
if ! $PY -c 'import optuna' 2>/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing python3-optuna (Debian)..." >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-optuna >&2
  fi
  $PY -c 'import optuna' 2>/dev/null || { echo "needs Optuna: apt-get install python3-optuna" >&2; exit 2; }
fi
(cd "$here" && mvn -q -B -DskipTests -pl bench -am package >&2)
log=$(mktemp); trap 'rm -f "$log"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(date -u +%F); optuna $($PY -c 'import optuna; print(optuna.__version__)')"
t0=$(date +%s)
"$JAVA_HOME/bin/java" "${TUNA_JVM_FLAGS[@]}" -Xmx1g -cp "$here/bench/target/benchmarks.jar" \
  dev.tuna.bench.BlackBoxRun "$oracles" "$functions" "$evals" "$seeds" "$threads" 2>/dev/null | tee -a "$log"
t1=$(date +%s)
$PY "$here/bench/peers/blackbox_optuna.py" "$functions" "$evals" "$seeds" | tee -a "$log"
t2=$(date +%s)
echo "wall: tuna $((t1 - t0)) s ($threads threads), optuna $((t2 - t1)) s (1 process)"
$PY "$here/bench/peers/blackbox_table.py" < "$log"
