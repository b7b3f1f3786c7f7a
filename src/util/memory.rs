//! Process-wide allocator tuning for frame-by-frame pipelines.

/// Tells glibc's allocator to keep freed memory for reuse instead of returning it to the kernel.
///
/// A pipeline that allocates and frees frame-sized buffers (a few MB) for every frame otherwise pays a
/// page fault per 4 KB each time: glibc serves such sizes with `mmap` or trims the heap after them, and
/// the kernel hands back zeroed pages on the next allocation. In `reel interpolate` at 720p that was 10 %
/// of the CPU time. The cost is that the heap stays at its peak size until the process exits, so only
/// short-lived batch jobs should call this, before their first large allocation. No effect on other C
/// libraries. Used by `reel interpolate` on y4m streams only: `reel transcode` tried it, and two of its
/// tests failed once each under load afterwards (cause not found), so it stays off where FFmpeg demuxes.
pub fn retain_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called before the buffers it affects exist.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}
