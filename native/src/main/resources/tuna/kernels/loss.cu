// Softmax and the fused sparse softmax cross-entropy, one thread per row (rows are a batch, classes are few), in
// f32 under every precision policy. The loss is the mean over rows: each row's term is added to a double.

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
