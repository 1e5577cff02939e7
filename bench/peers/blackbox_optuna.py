#!/usr/bin/env python3
"""Optuna's TPE (default settings) on the classic functions of dev.tuna.bench.ClassicFunction, the peer side of
bench/blackbox_vs_optuna.sh: one JSON line per (function, seed) with the best value of N evaluations.

Usage: blackbox_optuna.py FUNCTIONS EVALUATIONS SEEDS   e.g. branin,hartmann6,goldstein_price 200 10
"""
import json
import math
import sys
import time

import optuna


def branin(x):
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x[1] - b * x[0] ** 2 + c * x[0] - 6) ** 2 + 10 * (1 - t) * math.cos(x[0]) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
     [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]


def hartmann6(x):
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j]) ** 2 for j in range(6))) for i in range(4))


def goldstein_price(v):
    x, y = v
    a = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y)
    b = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y)
    return a * b


FUNCTIONS = {
    "branin": (branin, [(-5, 10), (0, 15)]),
    "hartmann6": (hartmann6, [(0, 1)] * 6),
    "goldstein_price": (goldstein_price, [(-2, 2), (-2, 2)]),
}


def main():
    names, evaluations, seeds = sys.argv[1].split(","), int(sys.argv[2]), int(sys.argv[3])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for name in names:
        f, bounds = FUNCTIONS[name]
        for seed in range(seeds):
            def objective(trial):
                return f([trial.suggest_float("x%d" % i, lo, hi) for i, (lo, hi) in enumerate(bounds)])
            t0 = time.perf_counter()
            study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
            study.optimize(objective, n_trials=evaluations)
            values = [t.value for t in study.trials]
            best = min(values)
            print(json.dumps({"tool": "optuna", "method": "tpe", "function": name, "seed": seed, "evaluations": evaluations,
                              "best": round(best, 6), "best_at": values.index(best) + 1,
                              "seconds": round(time.perf_counter() - t0, 2)}), flush=True)


if __name__ == "__main__":
    main()
