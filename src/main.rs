fn main() {
    keep_large_blocks_off_the_heap();
    if let Err(error) = zhitong::cli::main() {
        eprintln!("zhitong: {error:#}");
        std::process::exit(1);
    }
}

/// Each argon2id password check allocates a 19 MiB block on whichever blocking thread runs it.
/// glibc raises its mmap threshold to the size of the first such block once it is freed, so
/// later blocks come from the threads' heaps and stay resident: a few hundred logins left the
/// server at 300–400 MB. A fixed threshold keeps large blocks mmapped, returned when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_blocks_off_the_heap() {
    use std::ffi::c_int;
    extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    const M_MMAP_THRESHOLD: c_int = -3;
    // SAFETY: mallopt only tunes the allocator; it runs before any other thread exists.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_large_blocks_off_the_heap() {}
