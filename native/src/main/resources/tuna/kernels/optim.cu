// Fused optimizer updates on f32 master weights, each the same arithmetic as dev.tuna.backend.cpu.VectorOps (Keras'
// rules), including its flush to zero of slot values below 1e-30, so CPU and GPU runs track each other.

__device__ __forceinline__ float tuna_ftz(float v) { return fabsf(v) < 1e-30f ? 0.0f : v; }

// Keras' SGD: g += wd * p; with momentum v = mu * v - lr * g, p += v (Nesterov: p += mu * v - lr * g).
extern "C" __global__ void sgd_update_f32(float* __restrict__ p, const float* __restrict__ grad, float* __restrict__ vel, long n,
                                          float lr, float mu, int nesterov, float wd) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        float pi = p[i];
        float gi = grad[i] + pi * wd;
        if (mu == 0.0f) {
            p[i] = pi - gi * lr;
            continue;
        }
        float vi = tuna_ftz(vel[i] * mu - gi * lr);
        vel[i] = vi;
        p[i] = pi + (nesterov ? vi * mu - gi * lr : vi);
    }
}

// Adam (AdamW when decay > 0) with the bias corrections folded into alpha = lr * sqrt(1 - b2^t) / (1 - b1^t) and eps
// added to sqrt(v), as Keras does; decay = lr * weight_decay.
extern "C" __global__ void adam_update_f32(float* __restrict__ p, const float* __restrict__ grad, float* __restrict__ m,
                                           float* __restrict__ v, long n, float beta1, float beta2, float eps, float alpha, float decay) {
    float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        float gi = grad[i];
        float mi = tuna_ftz(beta1 * m[i] + c1 * gi);
        float vi = tuna_ftz(beta2 * v[i] + gi * gi * c2);
        m[i] = mi;
        v[i] = vi;
        float pi = p[i];
        p[i] = pi - pi * decay - mi * alpha / (sqrtf(vi) + eps);
    }
}

// Keras' RMSprop: ms = rho * ms + (1 - rho) g^2; step = lr * g / sqrt(ms + eps); with momentum mb = mu * mb + step.
extern "C" __global__ void rmsprop_update_f32(float* __restrict__ p, const float* __restrict__ grad, float* __restrict__ ms,
                                              float* __restrict__ mb, long n, float lr, float rho, float mu, float eps) {
    float c = 1.0f - rho;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        float gi = grad[i];
        float si = tuna_ftz(rho * ms[i] + gi * gi * c);
        ms[i] = si;
        float step = gi * lr / sqrtf(si + eps);
        if (mb != 0 && mu > 0.0f) {
            step = tuna_ftz(mu * mb[i] + step);
            mb[i] = step;
        }
        p[i] = p[i] - step;
    }
}
