// The batch gather for on-device shuffling: out row k = src row idx[from + k], for 4-byte elements (f32 features
// and i32 labels alike), so a data set copied to the GPU once is batched there without host round trips.
extern "C" __global__ void gather_rows_b32(const unsigned int* __restrict__ src, const int* __restrict__ idx, unsigned int* __restrict__ out,
                                           long from, long count, long rowSize) {
    long n = count * rowSize;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        long k = i / rowSize;
        out[i] = src[(long)idx[from + k] * rowSize + i % rowSize];
    }
}
