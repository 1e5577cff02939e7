#!/usr/bin/env bash
# Runs a command and prints the peak resident set size (VmHWM) of its largest descendant, sampled every
# 0.2 s: e.g. bench/peak_rss.sh ./tuna train examples/seed-mlp.yaml
set -uo pipefail
"$@" &
pid=$!
peak=0
while kill -0 "$pid" 2>/dev/null; do
  for p in $pid $(pgrep -P "$pid") $(pgrep -f 'tuna.jar'); do
    r=$(awk '/VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null)
    [[ -n "$r" && "$r" -gt "$peak" ]] && peak=$r
  done
  sleep 0.2
done
wait "$pid"; rc=$?
echo "peak RSS: $((peak / 1024)) MB"
exit $rc
