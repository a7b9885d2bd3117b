fn main() {
    keep_large_blocks_off_the_heap();
    if let Err(error) = zhitong::cli::main() {
        eprintln!("zhitong: {error:#}");
        std::process::exit(1);
    }
}

/// Two settings of glibc's allocator, made before any other thread exists.
///
/// Each argon2id password check allocates a 19 MiB block on whichever blocking thread runs it.
/// glibc raises its mmap threshold to the size of the first such block once it is freed, so
/// later blocks come from the threads' heaps and stay resident: a few hundred logins left the
/// server at 300–400 MB. A fixed threshold keeps large blocks mmapped, returned when freed.
///
/// glibc also gives each thread that contends for the heap an arena of its own, up to eight per
/// core, and memory freed in one arena is not reused by the others. On SQLite every query runs
/// on the blocking pool's threads, whose statements and page caches are allocated and freed
/// there: in the 30-minute soak (`bench/soak.sh`) the server's anonymous memory grew from 25 MB
/// to 58 MB in ten minutes with the default; with two arenas it grows much more slowly (see
/// docs/security.md for the figures). An operator who sets `MALLOC_ARENA_MAX` keeps their own
/// value.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_blocks_off_the_heap() {
    use std::ffi::c_int;
    extern "C" {
        fn mallopt(param: c_int, value: c_int) -> c_int;
    }
    const M_MMAP_THRESHOLD: c_int = -3;
    const M_ARENA_MAX: c_int = -8;
    let arenas_chosen = std::env::var_os("MALLOC_ARENA_MAX").is_some();
    // SAFETY: mallopt only tunes the allocator; it runs before any other thread exists.
    unsafe {
        mallopt(M_MMAP_THRESHOLD, 1 << 20);
        if !arenas_chosen {
            mallopt(M_ARENA_MAX, 2);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_large_blocks_off_the_heap() {}
