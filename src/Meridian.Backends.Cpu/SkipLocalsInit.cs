// The kernels' stackalloc scratch (decode buffers per call) is always written before it is read:
// no zeroing of it per call.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
