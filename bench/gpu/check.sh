#!/usr/bin/env bash
# The GPU check (../shared/GPU.md), run on the GPU server from the repository root with gpu-pack/ (made here by
# bench/gpu/prepare.sh) beside it. In one go: unpack the runtime, print `tuna devices`, run every test tagged gpu,
# time PyTorch's side of the comparisons, and print the table last. The full log goes to $OUT when it is set.
#   bench/gpu/check.sh
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pack="$here/gpu-pack"
out="${OUT:-$(mktemp -d)}"
log="$out/gpu-check.log"
mkdir -p "$out"
exec > >(tee -a "$log") 2>&1
[[ -f "$pack/runtime.tar.gz" ]] || { echo "no gpu-pack/: run bench/gpu/prepare.sh on the build machine and carry gpu-pack" >&2; exit 2; }
rt="$(mktemp -d)"
tar -C "$rt" -xzf "$pack/runtime.tar.gz"
java="$rt/runtime/bin/java"
flags=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -Xss4m -XX:-UseProfiledLoopPredicate)
py=python3
for p in /opt/torch/.venv/bin/python /usr/bin/python3 python3; do
  if "$p" -c 'import torch' 2>/dev/null; then py="$p"; break; fi
done
export TUNA_CACHE_DIR="$out/cache"

echo "== tuna devices"
"$java" "${flags[@]}" -jar "$pack/tuna.jar" devices | tee "$out/devices.txt"

echo "== gpu-tagged tests"
"$java" "${flags[@]}" -jar "$pack/junit-console.jar" execute --class-path "$pack/tuna-tests.jar:$pack/tuna.jar" \
  --scan-class-path --include-tag gpu --details=tree --disable-banner --disable-ansi-colors > "$out/gpu-tests.txt" 2>&1
cat "$out/gpu-tests.txt"
count() { grep -E "\\[ *[0-9]+ $1 *\\]" "$out/gpu-tests.txt" | grep -Eo '[0-9]+' | head -1; }
found=$(count "tests found"); passed=$(count "tests successful"); failed=$(count "tests failed")
aborted=$(count "containers aborted"); why=$(grep -o 'SKIPPED [A-Za-z]*: .*' "$out/gpu-tests.txt" | head -1)

echo "== PyTorch's side"
"$py" - > "$out/torch.txt" 2>&1 <<'PY'
import time, statistics, torch
if not torch.cuda.is_available():
    print("torch: no CUDA"); raise SystemExit
dev = torch.device("cuda")
def med(f, reps=10, warm=3):
    for _ in range(warm): f()
    torch.cuda.synchronize(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); f(); torch.cuda.synchronize(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)
for dt, name in ((torch.float16, "fp16"), (torch.bfloat16, "bf16")):
    a = torch.randn(8192, 8192, device=dev, dtype=dt); b = torch.randn(8192, 8192, device=dev, dtype=dt)
    s = med(lambda: a @ b)
    print(f"torch GEMM 8192^3 {name}: {2 * 8192**3 / s / 1e12:.1f} TFLOP/s")
x = torch.randn(50000, 784, device=dev); y = torch.randint(0, 10, (50000,), device=dev)
m = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)).to(dev)
opt = torch.optim.Adam(m.parameters(), 1e-3); lossf = torch.nn.CrossEntropyLoss()
def epoch():
    perm = torch.randperm(50000, device=dev)
    for i in range(0, 50000, 128):
        idx = perm[i:i + 128]; opt.zero_grad(); lossf(m(x[idx]), y[idx]).backward(); opt.step()
print(f"torch MLP epoch 784-64-10 Adam b128: {med(epoch, reps=5, warm=1) * 1000:.0f} ms")
PY
cat "$out/torch.txt"

echo
echo "| check | result |"
echo "|---|---|"
echo "| card | $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -1) |"
# NCCL as tuna devices found it (version and path, or what was looked for where); its bandwidth line comes from NcclGpuTest.
nccl=$(grep -m1 ' NCCL' "$out/devices.txt" | sed 's/^ *//' | cut -c1-240)
echo "| NCCL | ${nccl:-no NCCL line in tuna devices} |"
echo "| gpu-tagged tests | ${found:-0} found, ${passed:-0} passed, ${failed:-0} failed${why:+; $why} |"
while IFS= read -r l; do echo "| ${l%%:*} | ${l#*: } |"; done < <(grep -h '^tuna \|^torch' "$out/gpu-tests.txt" "$out/torch.txt")
for t in fp16 bf16; do
  ours=$(grep -h "^tuna GEMM 8192^3 $t:" "$out/gpu-tests.txt" | grep -Eo '[0-9.]+ TFLOP' | grep -Eo '[0-9.]+')
  theirs=$(grep -h "^torch GEMM 8192^3 $t:" "$out/torch.txt" | grep -Eo '[0-9.]+ TFLOP' | grep -Eo '[0-9.]+')
  [[ -n "$ours" && -n "$theirs" ]] && echo "| GEMM 8192^3 $t, tuna / torch.matmul (target >= 0.95) | $(awk -v a="$ours" -v b="$theirs" 'BEGIN{printf "%.2f", a/b}') |"
done
ours=$(grep -h "^tuna MLP epoch" "$out/gpu-tests.txt" | grep -Eo '[0-9]+ ms' | grep -Eo '[0-9]+')
theirs=$(grep -h "^torch MLP epoch" "$out/torch.txt" | grep -Eo '[0-9]+ ms' | grep -Eo '[0-9]+')
[[ -n "$ours" && -n "$theirs" ]] && echo "| MLP epoch, tuna / PyTorch eager (target <= 0.5) | $(awk -v a="$ours" -v b="$theirs" 'BEGIN{printf "%.2f", a/b}') |"
echo "| mixed_float16 / mixed_bfloat16 on the GPU | not built yet: half-precision device tensors (on the CPU the policies are emulated) |"
