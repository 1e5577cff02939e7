"""PyTorch side of bench/mlp_vs_torch.sh: the same MLP epoch as tuna's MlpEpoch, timed the same way.

784-H-10 MLP (relu), Adam (Keras defaults: lr 1e-3, eps 1e-7), sparse cross-entropy on logits, batch 128,
50000 random examples, a fresh shuffle each epoch, threads fixed. Prints one line per width:
"torch hidden=H epoch_median_s=S epochs=N".
"""
import statistics
import sys
import time

import torch

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
widths = [int(w) for w in sys.argv[2].split(",")] if len(sys.argv) > 2 else [64, 512]
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
torch.set_num_threads(threads)
# Subnormal optimizer state is slow on x86; PyTorch can flush it (tuna flushes its optimizer slots), so the
# peer gets the same advantage.
torch.set_flush_denormal(True)
torch.manual_seed(0)
n, d, classes, batch = 50000, 784, 10, 128
x = torch.rand(n, d)
y = torch.randint(0, classes, (n,))

for hidden in widths:
    model = torch.nn.Sequential(torch.nn.Linear(d, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, classes))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for epoch in range(epochs + 1):  # the first epoch warms up and is not counted
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        if epoch > 0:
            times.append(time.perf_counter() - t0)
    print(f"torch hidden={hidden} epoch_median_s={statistics.median(times):.4f} epochs={epochs} threads={threads}", flush=True)
