// The losses, in f32 under every precision policy, each the mean over rows: rows' terms are added to a double that
// the caller zeroes and divides by rows. Softmax and the fused sparse softmax cross-entropy run one thread per row
// (rows are a batch, classes are few); the one-output losses (binary cross-entropy from logits, regression) sum
// their rows per thread and add that once, one atomic per thread rather than per row.

// Writes softmax(z_row) to p_row and returns log(sum(exp(z - max))) + max (the log-sum-exp).
__device__ float tuna_softmax_row(const float* z, float* p, int c) {
    float m = z[0];
    for (int j = 1; j < c; j++) m = fmaxf(m, z[j]);
    double sum = 0.0;
    for (int j = 0; j < c; j++) {
        float e = expf(z[j] - m);
        p[j] = e;
        sum += e;
    }
    float inv = (float)(1.0 / sum);
    for (int j = 0; j < c; j++) p[j] *= inv;
    return (float)log(sum) + m;
}

extern "C" __global__ void softmax_f32(const float* __restrict__ z, float* __restrict__ p, long rows, int c) {
    for (long r = blockIdx.x * (long)blockDim.x + threadIdx.x; r < rows; r += (long)gridDim.x * blockDim.x) {
        tuna_softmax_row(z + r * c, p + r * c, c);
    }
}

// loss[0] += sum over rows of (logsumexp - z[label]); the caller zeroes it and divides by rows.
extern "C" __global__ void softmax_xent_f32(const float* __restrict__ z, const int* __restrict__ labels, float* __restrict__ p,
                                            double* loss, long rows, int c) {
    for (long r = blockIdx.x * (long)blockDim.x + threadIdx.x; r < rows; r += (long)gridDim.x * blockDim.x) {
        float lse = tuna_softmax_row(z + r * c, p + r * c, c);
        atomicAdd(loss, (double)(lse - z[r * c + labels[r]]));
    }
}

// dlogits = (p - onehot(label)) * dLoss[0] / rows.
extern "C" __global__ void softmax_xent_backward_f32(const float* __restrict__ p, const int* __restrict__ labels,
                                                     const float* __restrict__ dLoss, float* __restrict__ dz, long rows, int c) {
    float g = dLoss[0] / (float)rows;
    long n = rows * c;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        long r = i / c;
        int j = (int)(i % c);
        dz[i] = (p[i] - (j == labels[r] ? 1.0f : 0.0f)) * g;
    }
}

// count[0] += rows whose first maximum is at the label.
extern "C" __global__ void count_correct_f32(const float* __restrict__ z, const int* __restrict__ labels, int* count, long rows, int c) {
    for (long r = blockIdx.x * (long)blockDim.x + threadIdx.x; r < rows; r += (long)gridDim.x * blockDim.x) {
        const float* row = z + r * c;
        int best = 0;
        for (int j = 1; j < c; j++) if (row[j] > row[best]) best = j;
        if (best == labels[r]) atomicAdd(count, 1);
    }
}

// Binary cross-entropy from logits: loss[0] += sum over rows of max(z, 0) - z y + log1p(exp(-|z|)), which neither
// overflows nor loses the small term for any finite z; p = sigmoid(z) from the same exp, probabilities under 1e-30
// written as 0 as the CPU backend does (no subnormal reaches the gradient).
extern "C" __global__ void binary_xent_f32(const float* __restrict__ z, const int* __restrict__ labels, float* __restrict__ p,
                                           double* loss, long rows) {
    double s = 0.0;
    for (long r = blockIdx.x * (long)blockDim.x + threadIdx.x; r < rows; r += (long)gridDim.x * blockDim.x) {
        float x = z[r];
        float e = expf(-fabsf(x));
        s += (double)fmaxf(x, 0.0f) - (double)x * labels[r] + (double)log1pf(e);
        float q = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
        p[r] = q < 1e-30f ? 0.0f : q;
    }
    atomicAdd(loss, s);
}

// dz = (p - y) * dLoss[0] / rows.
extern "C" __global__ void binary_xent_backward_f32(const float* __restrict__ p, const int* __restrict__ labels,
                                                    const float* __restrict__ dLoss, float* __restrict__ dz, long rows) {
    float g = dLoss[0] / (float)rows;
    for (long r = blockIdx.x * (long)blockDim.x + threadIdx.x; r < rows; r += (long)gridDim.x * blockDim.x) {
        dz[r] = (p[r] - (float)labels[r]) * g;
    }
}

// Regression losses of the residual x - t, the kind a code in dev.tuna.backend.RegressionLoss's order (MSE 0, MAE 1,
// HUBER 2; delta is Huber's threshold). The forward works in double, as the CPU backend does.
extern "C" __global__ void regression_loss_f32(const float* __restrict__ x, const float* __restrict__ t, double* loss, long rows,
                                               int kind, float delta) {
    double s = 0.0;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < rows; i += (long)gridDim.x * blockDim.x) {
        double r = (double)x[i] - t[i], a = fabs(r);
        s += kind == 0 ? r * r : kind == 1 ? a : a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
    }
    atomicAdd(loss, s);
}

// dx = loss'(x - t) * dLoss[0] / rows: 2r, sign(r) (0 at 0), or r clamped to [-delta, delta]; NaN stays NaN, as in Java.
extern "C" __global__ void regression_loss_backward_f32(const float* __restrict__ x, const float* __restrict__ t,
                                                        const float* __restrict__ dLoss, float* __restrict__ dx, long rows,
                                                        int kind, float delta) {
    float g = dLoss[0] / (float)rows;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < rows; i += (long)gridDim.x * blockDim.x) {
        float r = x[i] - t[i];
        float slope = kind == 0 ? 2.0f * r
                    : kind == 1 ? (r > 0.0f ? 1.0f : r < 0.0f ? -1.0f : r)
                    : (r > delta ? delta : r < -delta ? -delta : r);
        dx[i] = slope * g;
    }
}
