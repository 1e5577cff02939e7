// Compiles tuna's CUDA kernels as plain C++ for the host, one thread, so their arithmetic can be checked on a machine
// without a GPU. Every kernel is a grid-stride loop, so with gridDim = blockDim = 1 one call covers every element;
// atomics are then plain read-modify-writes. Only what the kernels use is defined.
#pragma once
#include <math.h>
#include <string.h>
#define __global__
#define __device__
#define __forceinline__ inline
struct tuna_dim3 { unsigned int x, y, z; };
static const tuna_dim3 blockIdx = {0, 0, 0}, threadIdx = {0, 0, 0}, blockDim = {1, 1, 1}, gridDim = {1, 1, 1};
inline double atomicAdd(double* a, double v) { double o = *a; *a = o + v; return o; }
inline float atomicAdd(float* a, float v) { float o = *a; *a = o + v; return o; }
inline int atomicAdd(int* a, int v) { int o = *a; *a = o + v; return o; }
inline unsigned int __float_as_uint(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }
inline float __uint_as_float(unsigned int u) { float f; memcpy(&f, &u, 4); return f; }
