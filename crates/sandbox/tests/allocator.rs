//! The kernel's allocator gives freed memory back to the system a moment after it is freed
//! while busy, and at once when told to (a kernel after a cell): in a process of its own, so
//! no other test's memory moves its resident size.

use std::alloc::{GlobalAlloc, Layout};

use ksqldb_sandbox::allocator::{return_freed_memory_now, return_freed_memory_soon, Allocator};

/// The process's resident memory in MB (Linux).
fn rss_mb() -> Option<f64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096.0 / (1 << 20) as f64)
}

#[test]
fn freed_memory_goes_back_when_asked_not_a_delay_later() {
    let Some(base) = rss_mb() else {
        eprintln!("skipped: no /proc/self/statm on this system");
        return;
    };
    return_freed_memory_soon();
    // 192 MB in blocks the engine's rows and records use and in large ones, each touched.
    for size in [256usize, 64 << 10, 1 << 20] {
        let layout = Layout::from_size_align(size, 8).unwrap();
        let blocks: Vec<*mut u8> = (0..(64 << 20) / size)
            .map(|_| unsafe {
                let p = Allocator.alloc(layout);
                assert!(!p.is_null());
                p.write_bytes(1, size);
                p
            })
            .collect();
        for p in blocks {
            unsafe { Allocator.dealloc(p, layout) };
        }
    }
    let freed = rss_mb().unwrap();
    return_freed_memory_now();
    let after = rss_mb().unwrap();
    println!("RSS: {base:.1} MB before, {freed:.1} MB with 192 MB freed, {after:.1} MB after giving it back");
    assert!(freed - base > 48.0, "the freed memory waits for its delay: {base:.1} -> {freed:.1} MB");
    assert!(after - base < 32.0, "given back when asked: {base:.1} -> {after:.1} MB");
}
