//! The process's memory: a round that hands the memory glibc's allocator keeps after it was
//! freed back to the operating system, and the figures `/metrics` shows (resident memory, the
//! allocator's heap in use and kept free, SQLite's own allocations).
//!
//! Why the round: on SQLite every query runs on the blocking pool's threads, whose statements
//! and pages are allocated and freed there. glibc keeps freed memory at the top of each arena
//! until it passes a threshold, and never returns what lies below a block still in use, so the
//! resident size crept up in the 30-minute soak although the live heap did not: a
//! `malloc_trim(0)` made by hand after nine minutes gave back 5.6 MB of the 10 MB grown
//! (docs/security.md, "Soak"). `malloc_trim` also releases whole free pages inside the heap
//! (`madvise(MADV_DONTNEED)`), which the automatic trimming does not
//! (<https://man7.org/linux/man-pages/man3/malloc_trim.3.html>).

use std::time::Duration;

/// How often freed memory is handed back.
pub const TRIM_EVERY: Duration = Duration::from_secs(60);

/// What one trim round found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trim {
    /// The resident set size before and after the round (bytes).
    pub resident_before: u64,
    pub resident_after: u64,
}

/// The process's memory as the operating system, the allocator and SQLite count it (bytes;
/// `None` where this platform does not tell).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryFigures {
    /// Resident set size (`/proc/self/statm`).
    pub resident: Option<u64>,
    /// Bytes the allocator has handed out and not had back (heap and mmapped blocks).
    pub heap_in_use: Option<u64>,
    /// Bytes the allocator holds free (what a trim may give back).
    pub heap_free: Option<u64>,
    /// Bytes SQLite has allocated for every connection of the process (page caches,
    /// statements, schema), from `sqlite3_memory_used`; 0 on PostgreSQL.
    pub sqlite: u64,
}

/// Hands the allocator's free memory back to the operating system (glibc only; elsewhere it
/// does nothing). Runs on a blocking thread: the trim holds each arena's lock while it walks it.
pub async fn trim() -> Trim {
    tokio::task::spawn_blocking(trim_now).await.unwrap_or_default()
}

fn trim_now() -> Trim {
    let resident_before = resident().unwrap_or(0);
    release_free_memory();
    Trim {
        resident_before,
        resident_after: resident().unwrap_or(0),
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    // SAFETY: malloc_trim only returns free memory to the system; it takes the arenas' locks
    // itself and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

/// The figures now.
pub fn figures() -> MemoryFigures {
    let (heap_in_use, heap_free) = heap();
    MemoryFigures {
        resident: resident(),
        heap_in_use,
        heap_free,
        // SAFETY: sqlite3_memory_used reads SQLite's global counters under its own mutex.
        sqlite: u64::try_from(unsafe { libsqlite3_sys::sqlite3_memory_used() }).unwrap_or(0),
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn heap() -> (Option<u64>, Option<u64>) {
    // SAFETY: mallinfo2 (glibc 2.33+) only reads the arenas' statistics under their locks.
    let info = unsafe { libc::mallinfo2() };
    let in_use = (info.uordblks as u64).saturating_add(info.hblkhd as u64);
    (Some(in_use), Some(info.fordblks as u64))
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn heap() -> (Option<u64>, Option<u64>) {
    (None, None)
}

/// The resident set size, from the second field of `/proc/self/statm` (pages).
fn resident() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages.saturating_mul(page_size()))
}

#[cfg(unix)]
fn page_size() -> u64 {
    // SAFETY: sysconf only reads a system constant.
    u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap_or(4096)
}

#[cfg(not(unix))]
fn page_size() -> u64 {
    4096
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_trim_gives_back_memory_freed_in_the_heap() {
        // 200 MB in small blocks (below the mmap threshold, so they come from the heap), then
        // fifteen of every sixteen freed: glibc keeps the holes (30 KB each, several whole
        // pages) because the blocks kept between them pin the heap; a trim returns their pages.
        // The margins are wide because the other tests of this binary allocate meanwhile.
        let blocks: Vec<Vec<u8>> = (0..100_000).map(|i| vec![(i % 251) as u8; 2000]).collect();
        let kept: Vec<Vec<u8>> = blocks
            .into_iter()
            .enumerate()
            .filter_map(|(i, block)| (i % 16 == 0).then_some(block))
            .collect();
        let before = figures();
        let trim = trim().await;
        let after = figures();
        assert!(kept.iter().all(|b| b.len() == 2000));
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(before.heap_free.unwrap() > 150_000_000, "{before:?}");
            assert!(before.heap_in_use.unwrap() > 12_000_000, "{before:?}");
            assert!(trim.resident_after + 100_000_000 < trim.resident_before, "{trim:?}");
            let resident = (before.resident.unwrap(), after.resident.unwrap());
            assert!(
                resident.1 + 100_000_000 < resident.0,
                "resident {resident:?}: 187 MB of holes trimmed"
            );
        }
    }
}
