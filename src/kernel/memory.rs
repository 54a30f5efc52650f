//! Gives freed memory back to the system after a cell. A cell with a huge result (a 50 MB
//! value, a SHOW of 200 000 streams) allocates hundreds of MB for a moment. The kernel's
//! allocator (mimalloc, see `ksqldb_sandbox::allocator`) gives freed memory back a moment
//! after it is freed, at its next call, which an idle kernel may not make for a long time:
//! so it is told to give it back now. glibc's malloc, which C code in the process may still
//! use, keeps freed blocks of up to 32 MB in its per-thread arenas until trimmed; no crate
//! wraps that one call, hence the declaration here.

pub fn release_free_memory() {
    ksqldb_sandbox::allocator::return_freed_memory_now();
    trim_glibc_heaps();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_glibc_heaps() {
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
fn trim_glibc_heaps() {}
