// Reductions read back by the host: sums in double (atomics into one accumulator), and the all-finite check that
// dynamic loss scaling runs on every gradient. The caller zeroes (or, for the flag, sets to 1) the output first.

extern "C" __global__ void sum_f32(const float* __restrict__ x, long n, double* out) {
    double s = 0.0;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) s += x[i];
    atomicAdd(out, s);
}

extern "C" __global__ void sum_squares_f32(const float* __restrict__ x, long n, double* out) {
    double s = 0.0;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) s += (double)x[i] * x[i];
    atomicAdd(out, s);
}

// flag[0] becomes 0 when any element is NaN or infinite (bits of the exponent all set).
extern "C" __global__ void all_finite_f32(const float* __restrict__ x, long n, int* flag) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        if ((__float_as_uint(x[i]) & 0x7f800000u) == 0x7f800000u) flag[0] = 0;
    }
}
