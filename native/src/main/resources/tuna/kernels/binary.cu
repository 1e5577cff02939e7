// a op b with numpy broadcasting, up to rank 4 (shapes padded with leading 1s): out has dims d0..d3, and a and b
// are read through strides that are 0 along their broadcast axes. op: ADD 0, SUB 1, MUL 2, DIV 3 (BinaryOp's order).
extern "C" __global__ void binary_f32(const float* __restrict__ a, const float* __restrict__ b, float* __restrict__ out, int op,
                                      long d0, long d1, long d2, long d3,
                                      long as0, long as1, long as2, long as3,
                                      long bs0, long bs1, long bs2, long bs3) {
    long n = d0 * d1 * d2 * d3;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        long r = i;
        long i3 = r % d3; r /= d3;
        long i2 = r % d2; r /= d2;
        long i1 = r % d1; r /= d1;
        long i0 = r;
        float x = a[i0 * as0 + i1 * as1 + i2 * as2 + i3 * as3];
        float y = b[i0 * bs0 + i1 * bs1 + i2 * bs2 + i3 * bs3];
        out[i] = op == 0 ? x + y : op == 1 ? x - y : op == 2 ? x * y : x / y;
    }
}

// The backward of broadcasting a row vector: out[j] = sum over rows of x[r, j] (a bias gradient), one thread per
// column summing in a fixed order, so the result does not depend on scheduling.
extern "C" __global__ void sum_rows_f32(const float* __restrict__ x, float* __restrict__ out, long rows, int cols) {
    for (long j = blockIdx.x * (long)blockDim.x + threadIdx.x; j < cols; j += (long)gridDim.x * blockDim.x) {
        double s = 0.0;
        for (long r = 0; r < rows; r++) s += x[r * cols + j];
        out[j] = (float)s;
    }
}
