"""Optuna + PyTorch peer of the seed notebook's KerasTuner search (see /work/shared/seed-notes.txt).

Run with Debian's interpreter (python3-torch, python3-numpy, python3-optuna):

    /usr/bin/python3 bench/peers/seed_search_optuna.py [--trials 20] [--executions 2] [--epochs 40]
        [--patience 3] [--batch 128] [--seed 0] [--threads N] [--data-dir /usr/share/datasets/fashion-mnist]

The search: Fashion-MNIST, pixels / 255, flattened to 784; train on the first 50000 training rows and
validate on the last 10000 (the test set is not used). Model Dense(units, relu) -> Dense(10) logits with
softmax cross-entropy, Keras default init (Glorot uniform weights, zero biases). Space: units int 16..64
step 16, optimizer adam | rmsprop with Keras defaults (lr 1e-3; Adam betas 0.9/0.999 eps 1e-7; RMSprop
rho 0.9 eps 1e-7, no momentum). Each trial runs `--executions` trainings with different seeds; each trains
up to `--epochs` epochs, batch 128, reshuffled each epoch, early stopping on val_loss with patience 3 (Keras
EarlyStopping: stop once val_loss has not improved for `patience` epochs in a row). An execution scores its
best val_accuracy over its epochs (KerasTuner's convention) and the trial objective is the mean over its
executions; Optuna's TPESampler(seed) maximises it.

Prints one line per trial, then ONE final JSON line on stdout. wall_seconds is measured from before the data
load to the end; data_load_seconds is reported separately.
"""
import argparse
import gzip
import json
import os
import sys
import time
import warnings

import numpy as np
import torch

import optuna


def read_idx(path):
    """Read a gzipped IDX file (the MNIST format) into a numpy array."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_data(data_dir, n_val=10000):
    images = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
    x = torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / np.float32(255.0))
    y = torch.from_numpy(labels.astype(np.int64))
    return x[:-n_val].contiguous(), y[:-n_val].contiguous(), x[-n_val:].contiguous(), y[-n_val:].contiguous()


def build_model(units, d=784, classes=10):
    model = torch.nn.Sequential(torch.nn.Linear(d, units), torch.nn.ReLU(), torch.nn.Linear(units, classes))
    for m in model:
        if isinstance(m, torch.nn.Linear):  # Keras defaults: glorot_uniform kernel, zero bias
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    return model


def build_optimizer(name, params):
    if name == "adam":
        return torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=1e-3, alpha=0.9, eps=1e-7, momentum=0.0)
    raise ValueError(name)


def evaluate(model, x, y, loss_fn, batch=10000):
    model.eval()
    total_loss = 0.0
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits = model(x[i:i + batch])
            yb = y[i:i + batch]
            total_loss += loss_fn(logits, yb).item() * len(yb)
            correct += (logits.argmax(dim=1) == yb).sum().item()
    model.train()
    return total_loss / len(x), correct / len(x)


def run_execution(units, opt_name, seed, data, args):
    """One training run; returns (best val_accuracy over epochs, epochs run)."""
    x_tr, y_tr, x_val, y_val = data
    torch.manual_seed(seed)
    model = build_model(units)
    opt = build_optimizer(opt_name, model.parameters())
    loss_fn = torch.nn.CrossEntropyLoss()
    n = len(x_tr)
    best_acc = 0.0
    best_loss = float("inf")
    wait = 0
    epochs_run = 0
    model.train()
    for epoch in range(args.epochs):
        perm = torch.randperm(n)
        for i in range(0, n, args.batch):
            idx = perm[i:i + args.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_tr[idx]), y_tr[idx])
            loss.backward()
            opt.step()
        epochs_run += 1
        val_loss, val_acc = evaluate(model, x_val, y_val, loss_fn)
        best_acc = max(best_acc, val_acc)
        # Keras EarlyStopping(monitor="val_loss", patience=p, min_delta=0)
        if val_loss < best_loss:
            best_loss = val_loss
            wait = 0
        else:
            wait += 1
            if wait >= args.patience:
                break
    return best_acc, epochs_run


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--trials", type=int, default=20)
    p.add_argument("--executions", type=int, default=2)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--patience", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads; default: torch's default")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist")
    args = p.parse_args()

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    # Subnormal optimizer state is slow on x86; tuna flushes its optimizer slots, so the peer does too.
    torch.set_flush_denormal(True)
    # ...which makes numpy's float64 finfo (queried inside Optuna's TPE) warn that the smallest subnormal is 0.
    warnings.filterwarnings("ignore", message="The value of the smallest subnormal")
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    t_start = time.perf_counter()
    cpu_start = time.process_time()
    data = load_data(args.data_dir)
    data_load_s = time.perf_counter() - t_start
    print(f"data train={tuple(data[0].shape)} val={tuple(data[2].shape)} load_s={data_load_s:.3f} "
          f"threads={torch.get_num_threads()}", flush=True)

    total_epochs = 0

    def objective(trial):
        nonlocal total_epochs
        units = trial.suggest_int("units", 16, 64, step=16)
        opt_name = trial.suggest_categorical("optimizer", ["adam", "rmsprop"])
        t0 = time.perf_counter()
        scores, epochs = [], []
        for e in range(args.executions):
            seed = args.seed * 1_000_003 + trial.number * args.executions + e
            acc, ep = run_execution(units, opt_name, seed, data, args)
            scores.append(acc)
            epochs.append(ep)
        total_epochs += sum(epochs)
        value = sum(scores) / len(scores)
        print(f"trial {trial.number} units={units} optimizer={opt_name} val_accuracy={value:.4f} "
              f"executions={['%.4f' % s for s in scores]} epochs={epochs} seconds={time.perf_counter() - t0:.2f}",
              flush=True)
        return value

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=args.seed))
    study.optimize(objective, n_trials=args.trials)
    wall = time.perf_counter() - t_start
    cpu = time.process_time() - cpu_start

    print(json.dumps({
        "peer": "optuna+pytorch",
        "optuna": optuna.__version__,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "trials": args.trials,
        "executions": args.executions,
        "epochs": args.epochs,
        "patience": args.patience,
        "batch": args.batch,
        "seed": args.seed,
        "wall_seconds": round(wall, 3),
        "data_load_seconds": round(data_load_s, 3),
        "cpu_seconds": round(cpu, 3),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "best_val_accuracy": study.best_value,
        "best_params": study.best_params,
        "best_trial": study.best_trial.number,
        "total_epochs": total_epochs,
    }), flush=True)


if __name__ == "__main__":
    sys.exit(main())
