//! The process allocator the kernel runs the sandbox with: mimalloc, reached without its
//! aligned entry points whenever the alignment asked for is one every mimalloc block has.
//!
//! Written here rather than using the `mimalloc` crate's `MiMalloc`: that type sends every
//! request through `mi_malloc_aligned`, whose fast path only serves blocks up to 1 KiB, so
//! each larger Vec of rows (or any block of a size that is not a power of two) went through
//! mimalloc's over-allocating path, ~800 instructions instead of ~20 (callgrind, tumbling
//! aggregation bench). Every mimalloc block size is a multiple of 8 bytes and every page
//! starts 16-aligned, so a plain `mi_malloc` block is always 8-aligned.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// The alignment every block `mi_malloc` returns has (see the module comment).
const PLAIN_ALIGN: usize = 8;

/// mimalloc as the global allocator (`#[global_allocator] static A: Allocator = Allocator;`).
pub struct Allocator;

// SAFETY: each method hands its request to the mimalloc function with the same contract;
// blocks from `mi_malloc` satisfy any alignment up to PLAIN_ALIGN, larger alignments go
// through the aligned functions, and `mi_free` frees blocks from either.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { mi::mi_malloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8 }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { mi::mi_zalloc(layout.size()) as *mut u8 }
        } else {
            unsafe { mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8 }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= PLAIN_ALIGN {
            unsafe { mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8 }
        } else {
            unsafe { mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8 }
        }
    }
}

/// How long freed memory waits before it goes back to the system while the allocator is
/// busy: returned at once (a delay of 0), pages a busy engine frees and takes again a moment
/// later were given back and faulted in anew: a third of a tumbling aggregation's time went to
/// the operating system (141 000 page faults a million events, against 76 000 with 100 ms).
const PURGE_DELAY_MS: std::os::raw::c_long = 100;

/// Freed memory goes back to the system [`PURGE_DELAY_MS`] after it is freed, at the
/// allocator's next call; an idle process gives back what is left through
/// [`return_freed_memory_now`] (mimalloc's default delay, 1 s in v3, with nothing to end
/// it, left an idle kernel holding the pages of its last large outputs).
pub fn return_freed_memory_soon() {
    // `mi_option_purge_delay` in mimalloc.h's option enum (libmimalloc-sys names no constant).
    const MI_OPTION_PURGE_DELAY: mi::mi_option_t = 15;
    // SAFETY: sets an option's value; mimalloc reads options at each purge.
    unsafe { mi::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
}

/// Gives the freed memory still waiting for its delay back to the system now (a kernel
/// after a cell, when it goes idle).
pub fn return_freed_memory_now() {
    // SAFETY: a forced collection of the calling thread's heap and of every arena's freed
    // ranges; thread-safe, no preconditions.
    unsafe { mi::mi_collect(true) };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every alignment and size class the engine asks for comes back aligned, zeroed when
    /// asked, and keeps its bytes through a realloc that grows it past the small sizes.
    #[test]
    fn blocks_are_aligned_zeroed_and_kept_through_realloc() {
        for align in [1usize, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1usize, 7, 8, 24, 48, 100, 1000, 1500, 5000, 70_000] {
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = Allocator.alloc_zeroed(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "size {size} align {align}");
                    assert!(std::slice::from_raw_parts(p, size).iter().all(|&b| b == 0));
                    for i in 0..size {
                        *p.add(i) = (i % 251) as u8;
                    }
                    let grown = Allocator.realloc(p, layout, size * 3 + 2000);
                    assert_eq!(grown as usize % align, 0, "realloc size {size} align {align}");
                    let kept = std::slice::from_raw_parts(grown, size);
                    assert!(kept.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
                    Allocator.dealloc(grown, Layout::from_size_align(size * 3 + 2000, align).unwrap());
                    let q = Allocator.alloc(layout);
                    assert_eq!(q as usize % align, 0);
                    Allocator.dealloc(q, layout);
                }
            }
        }
    }
}
