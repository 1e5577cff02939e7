#!/usr/bin/env bash
# The ensemble quality target on Fashion-MNIST: the tuner's MLP search (examples/seed-search.yaml) and CNN search
# (examples/cnn-search.yaml), their best configurations pooled with XGBoost's boosted trees and random forest,
# weighted three ways. Every member trains once (the first ensemble run); the other methods reuse the member
# predictions kept in the study. Prints each method's table; the Caruana one is run last, so it is the one saved.
#   bench/ensemble_fashion.sh [RUNS_DIR]        (about 40 minutes on 2 cores)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-$here/runs/ensemble}"
cd "$here"
mkdir -p "$runs"
t() { local s=$SECONDS; "$@"; echo "[$(( SECONDS - s )) s] $*" >&2; }
t ./tuna tune examples/seed-search.yaml --study "$runs/seed-search"
t ./tuna tune examples/cnn-search.yaml --study "$runs/cnn-search"
for m in caruana average random caruana; do
  echo "=== --method $m"
  t ./tuna ensemble --study "$runs/seed-search" --study "$runs/cnn-search" --gbt --method "$m"
done
t ./tuna predict --model "$runs/seed-search/ensemble" --data fashion-mnist --out "$runs/predictions.csv"
t ./tuna report --study "$runs/seed-search"
