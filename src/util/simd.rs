//! Runs hot loops compiled for AVX2 and FMA where the CPU has them: the binary itself targets baseline
//! x86-64 (SSE2), so without this the compiler's vectorised loops are four lanes wide.

/// Calls `f`, inlined into a function compiled for AVX2 and FMA when the CPU has both, so that the loops
/// written in it vectorise eight lanes wide; elsewhere calls it as compiled for the baseline. Only code
/// inlined into `f` gains: functions it calls keep their own compilation.
#[inline(always)]
pub fn wide<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        // SAFETY: the CPU has AVX2 and FMA (detected just above), the target features' only requirement.
        return unsafe { avx2_fma(f) };
    }
    f()
}

/// Whether this CPU has AVX2 and FMA (false on other architectures). std caches the detection.
#[inline]
pub fn has_avx2_fma() -> bool {
    #[cfg(target_arch = "x86_64")]
    return std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn avx2_fma<R>(f: impl FnOnce() -> R) -> R {
    f()
}
