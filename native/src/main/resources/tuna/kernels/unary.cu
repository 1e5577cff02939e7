// Activations and their derivatives, one kernel each way with the op as a code in dev.tuna.backend.UnaryOp's
// order (RELU 0, GELU 1, TANH 2, SIGMOID 3, NEG 4, EXP 5, LOG 6, SQUARE 7, SQRT 8); fused bias + activation for
// dense and convolution outputs. Each must agree with UnaryOp's float64 definitions within f32 tolerance.

__device__ __forceinline__ float tuna_unary(int op, float x) {
    switch (op) {
        case 0: return x > 0.0f ? x : 0.0f;
        case 1: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
        case 2: return tanhf(x);
        case 3: return x >= 0.0f ? 1.0f / (1.0f + expf(-x)) : expf(x) / (1.0f + expf(x));
        case 4: return -x;
        case 5: return expf(x);
        case 6: return logf(x);
        case 7: return x * x;
        default: return sqrtf(x);
    }
}

__device__ __forceinline__ float tuna_derivative(int op, float x, float y) {
    switch (op) {
        case 0: return x > 0.0f ? 1.0f : 0.0f;
        case 1: return 0.5f * (1.0f + erff(x * 0.70710678118654752f)) + x * 0.39894228040143268f * expf(-0.5f * x * x);
        case 2: return 1.0f - y * y;
        case 3: return y * (1.0f - y);
        case 4: return -1.0f;
        case 5: return y;
        case 6: return 1.0f / x;
        case 7: return 2.0f * x;
        default: return 0.5f / y;
    }
}

extern "C" __global__ void unary_forward_f32(const float* __restrict__ x, float* __restrict__ y, long n, int op) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] = tuna_unary(op, x[i]);
}

// dx = dy * f'(x), given the forward's input x and output y.
extern "C" __global__ void unary_backward_f32(const float* __restrict__ x, const float* __restrict__ y, const float* __restrict__ dy,
                                              float* __restrict__ dx, long n, int op) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        dx[i] = dy[i] * tuna_derivative(op, x[i], y[i]);
    }
}

// y = act(y + bias) in place, bias along the last axis (cols); act < 0 means none.
extern "C" __global__ void bias_activation_f32(float* __restrict__ y, const float* __restrict__ bias, long rows, int cols, int act) {
    long n = rows * cols;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        float v = y[i] + bias[i % cols];
        y[i] = act < 0 ? v : tuna_unary(act, v);
    }
}
