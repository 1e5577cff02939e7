#!/usr/bin/env python3
"""numpy (OpenBLAS) float32 matmul GFLOP/s per square size: one line each, 'size gflops' (median of timed runs).

Usage: gemm_gflops.py [sizes=512,1000,1023,1024,1536,2048] [runs=11] [warmup_seconds=2]
Thread count comes from OPENBLAS_NUM_THREADS (set by the caller). Sizes may be MxKxN[:TN|:NT|:TT] like GemmGflops.
"""
import os
import sys
import time

import numpy as np


def main():
    sizes = (sys.argv[1] if len(sys.argv) > 1 else "512,1000,1023,1024,1536,2048").split(",")
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 11
    warmup = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    print(f"# numpy {np.__version__} threads={os.environ.get('OPENBLAS_NUM_THREADS', '?')}", flush=True)
    rng = np.random.default_rng(1)
    for spec in sizes:
        spec = spec.strip()
        dims, _, trans = spec.partition(":")
        d = [int(x) for x in dims.split("x")]
        m = d[0]
        k = d[1] if len(d) > 1 else m
        n = d[2] if len(d) > 2 else m
        ta = trans[:1] == "T"
        tb = trans[1:2] == "T"
        a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
        b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
        A = a.T if ta else a
        B = b.T if tb else b
        c = np.empty((m, n), dtype=np.float32)
        flops = 2.0 * m * n * k
        end = time.perf_counter() + warmup
        calls = 0
        w0 = time.perf_counter()
        while time.perf_counter() < end or calls < 3:
            np.matmul(A, B, out=c)
            calls += 1
        per_call = (time.perf_counter() - w0) / calls
        inner = max(1, int(0.2 / per_call + 0.999))
        g = []
        for _ in range(runs):
            t0 = time.perf_counter()
            for _ in range(inner):
                np.matmul(A, B, out=c)
            g.append(flops * inner / (time.perf_counter() - t0) / 1e9)
        g.sort()
        print(f"{spec} {g[runs // 2]:.1f}", flush=True)


if __name__ == "__main__":
    main()
