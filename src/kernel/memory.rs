//! Gives freed memory back to the system after a cell. A cell with a huge result (a 50 MB
//! value, a SHOW of 200 000 streams) allocates hundreds of MB for a moment; glibc keeps freed
//! blocks of up to 32 MB in its per-thread arenas, so without a trim the kernel's resident
//! memory would stay at its peak. No crate wraps this one call, hence the declaration here.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn release_free_memory() {
    extern "C" {
        fn malloc_trim(pad: usize) -> std::os::raw::c_int;
    }
    // SAFETY: malloc_trim only returns unused pages of the malloc heaps to the system; it is
    // thread-safe and has no preconditions.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() {}
