// Elementwise kernels of the CUDA backend (compiled at run time with NVRTC for the GPU in hand; CI compiles
// this file with nvcc -arch=sm_90 so that a kernel that does not compile fails the build without a GPU).
// Each mirrors an op of dev.tuna.backend.cpu.CpuBackend and must agree with it within f32 tolerance.
// No standard headers: NVRTC compiles these without a C++ library.
typedef unsigned long long tuna_u64;

extern "C" __global__ void relu_forward_f32(const float* __restrict__ x, float* __restrict__ y, long n) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        y[i] = fmaxf(x[i], 0.0f);
    }
}

extern "C" __global__ void relu_backward_f32(const float* __restrict__ x, const float* __restrict__ dy,
                                             float* __restrict__ dx, long n) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        dx[i] = x[i] > 0.0f ? dy[i] : 0.0f;
    }
}

// y[r, j] = x[r, j] + b[j]: the bias of dense and (channels-last) convolution layers.
extern "C" __global__ void bias_add_f32(const float* __restrict__ x, const float* __restrict__ b,
                                        float* __restrict__ y, long rows, int cols) {
    long n = rows * cols;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        y[i] = x[i] + b[i % cols];
    }
}

// The same SplitMix64 mix as dev.tuna.backend.cpu.CounterRng, so a dropout mask does not depend on the device.
__device__ __forceinline__ tuna_u64 tuna_mix(tuna_u64 seed, tuna_u64 counter) {
    tuna_u64 z = seed * 0x9E3779B97F4A7C15ULL + counter * 0xD1B54A32D192ED03ULL + 0x632BE59BD9B4E019ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

extern "C" __global__ void dropout_mask_f32(float* __restrict__ mask, long n, float rate, tuna_u64 seed, tuna_u64 counter) {
    float keep = 1.0f / (1.0f - rate);
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        float u = (float)(tuna_mix(seed, counter + (tuna_u64)i) >> 40) * 0x1.0p-24f;
        mask[i] = u >= rate ? keep : 0.0f;
    }
}

// y = x * s (y may be x: in place).
extern "C" __global__ void scale_f32(const float* x, float* y, long n, float s) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] = x[i] * s;
}

// y += a * x (gradient accumulation).
extern "C" __global__ void axpy_f32(float a, const float* __restrict__ x, float* __restrict__ y, long n) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] += a * x[i];
}

// running = momentum * running + (1 - momentum) * batch (batch norm's running statistics).
extern "C" __global__ void lerp_f32(float* __restrict__ running, const float* __restrict__ batch, long n, float momentum) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        running[i] = momentum * running[i] + (1.0f - momentum) * batch[i];
    }
}

// y[i] = v for 4-byte elements (v is the bit pattern: zeros, a float, an int).
extern "C" __global__ void fill_b32(unsigned int* y, long n, unsigned int v) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] = v;
}
