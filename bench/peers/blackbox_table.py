#!/usr/bin/env python3
"""Reads the JSON lines of BlackBoxRun and blackbox_optuna.py on stdin and prints, per function, a markdown table of
the best value found over the seeds (median, mean +/- std, min, max, IQR) beside the published rows of
scikit-optimize's benchmark table (benchmarks/README.md: 10 runs of 200 calls, mean +/- std and best).
"""
import json
import statistics
import sys

OPTIMA = {"branin": 0.397887, "hartmann6": -3.32237, "goldstein_price": 3.0}
# scikit-optimize benchmarks/README.md (n_calls=200, 10 runs): (method, mean, std, best).
SKOPT = {
    "branin": [("skopt dummy_minimize (random)", 0.911, 0.294, 0.492), ("skopt gp_minimize", 0.398, 0.000, 0.398)],
    "hartmann6": [("skopt dummy_minimize (random)", -2.374, 0.327, -2.909), ("skopt gp_minimize", -3.299, 0.048, -3.322)],
}
ORDER = ["random", "genetic", "bayesian", "tpe"]


def quartiles(v):
    s = sorted(v)
    def q(p):
        pos = p * (len(s) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (pos - lo) * (s[hi] - s[lo])
    return q(0.25), q(0.5), q(0.75)


def main():
    rows = [json.loads(line) for line in sys.stdin if line.startswith("{")]
    groups = {}
    for r in rows:
        groups.setdefault((r["function"], r["tool"], r["method"]), []).append(r)
    for fn in [f for f in OPTIMA if any(k[0] == f for k in groups)]:
        evals = sorted({r["evaluations"] for k, rs in groups.items() if k[0] == fn for r in rs})
        print("\n### %s (published optimum %g; %s evaluations)\n" % (fn, OPTIMA[fn], "/".join(map(str, evals))))
        print("| method | runs | median best | mean +/- std | min | max | IQR | median evals to best | median s/run |")
        print("|---|---|---|---|---|---|---|---|---|")
        keys = sorted((k for k in groups if k[0] == fn), key=lambda k: (ORDER.index(k[2]) if k[2] in ORDER else 99, k[1]))
        for k in keys:
            v = [r["best"] for r in groups[k]]
            q1, med, q3 = quartiles(v)
            std = statistics.pstdev(v) if len(v) > 1 else 0.0
            print("| %s %s | %d | %.4f | %.4f +/- %.4f | %.4f | %.4f | %.4f | %d | %.1f |" % (
                k[1], k[2], len(v), med, statistics.fmean(v), std, min(v), max(v), q3 - q1,
                statistics.median(r["best_at"] for r in groups[k]), statistics.median(r["seconds"] for r in groups[k])))
        for name, mean, std, best in SKOPT.get(fn, []):
            print("| %s (published) | 10 | n/a | %.3f +/- %.3f | %.3f | n/a | n/a | n/a | n/a |" % (name, mean, std, best))
        if fn not in SKOPT:
            print("| scikit-optimize | - | not in its table | | | | | | |")


if __name__ == "__main__":
    main()
