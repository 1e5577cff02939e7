// Casts between f32 and the 16-bit formats on raw 16-bit storage, rounding to nearest even, bit for bit as
// dev.tuna.tensor.HalfFloats (and the JDK's Float.floatToFloat16) do, so mixed precision rounds the same on both.

__device__ __forceinline__ unsigned short tuna_f32_to_f16(float f) {
    unsigned int x = __float_as_uint(f);
    unsigned int sign = (x >> 16) & 0x8000u;
    unsigned int ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return (unsigned short)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0u));
    if (ax >= 0x477ff000u) return (unsigned short)(sign | 0x7c00u);          // rounds to beyond 65504: infinity
    if (ax < 0x38800000u) {                                                  // below 2^-14: subnormal or zero
        if (ax < 0x33000000u) return (unsigned short)sign;                   // below 2^-25: rounds to zero
        unsigned int e = ax >> 23;
        unsigned int mant = (ax & 0x7fffffu) | 0x800000u;
        unsigned int shift = 126u - e;                                       // 14 + 13 - (e - 127) + 1 ... keeps 10 bits
        unsigned int half = mant >> shift;
        unsigned int rem = mant & ((1u << shift) - 1u);
        unsigned int mid = 1u << (shift - 1u);
        if (rem > mid || (rem == mid && (half & 1u))) half++;
        return (unsigned short)(sign | half);
    }
    unsigned int bits = ax - 0x38000000u;                                    // rebias the exponent from 127 to 15
    unsigned int half = bits >> 13;
    unsigned int rem = bits & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) half++;
    return (unsigned short)(sign | half);
}

__device__ __forceinline__ float tuna_f16_to_f32(unsigned short h) {
    unsigned int sign = ((unsigned int)h & 0x8000u) << 16;
    unsigned int e = ((unsigned int)h >> 10) & 0x1fu;
    unsigned int m = (unsigned int)h & 0x3ffu;
    if (e == 0x1fu) return __uint_as_float(sign | 0x7f800000u | (m << 13));
    if (e == 0) {
        if (m == 0) return __uint_as_float(sign);
        float v = (float)m * 5.9604644775390625e-8f;                         // m x 2^-24
        return sign ? -v : v;
    }
    return __uint_as_float(sign | ((e + 112u) << 23) | (m << 13));
}

__device__ __forceinline__ unsigned short tuna_f32_to_bf16(float f) {
    unsigned int x = __float_as_uint(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1u);
    return (unsigned short)(x >> 16);
}

extern "C" __global__ void cast_f32_f16(const float* __restrict__ x, unsigned short* __restrict__ y, long n) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] = tuna_f32_to_f16(x[i]);
}

extern "C" __global__ void cast_f16_f32(const unsigned short* __restrict__ x, float* __restrict__ y, long n) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] = tuna_f16_to_f32(x[i]);
}

extern "C" __global__ void cast_f32_bf16(const float* __restrict__ x, unsigned short* __restrict__ y, long n) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) y[i] = tuna_f32_to_bf16(x[i]);
}

extern "C" __global__ void cast_bf16_f32(const unsigned short* __restrict__ x, float* __restrict__ y, long n) {
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
        y[i] = __uint_as_float(((unsigned int)x[i]) << 16);
    }
}
