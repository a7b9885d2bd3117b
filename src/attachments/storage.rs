//! Where attachment bytes live, and what they really are.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The kinds of file accepted, told apart by their first bytes (and, for the Office formats that
/// share a container, by the file name's extension). A client's declared type is not trusted.
pub fn sniff(bytes: &[u8], file_name: &str) -> Option<&'static str> {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some("image/jpeg");
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some("image/png");
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" && matches!(&bytes[8..12], b"heic" | b"heix" | b"mif1" | b"msf1") {
        return Some("image/heic");
    }
    if bytes.starts_with(b"%PDF-") {
        return Some("application/pdf");
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match extension.as_str() {
            "docx" => Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            "xlsx" => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            _ => None,
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return match extension.as_str() {
            "doc" => Some("application/msword"),
            "xls" => Some("application/vnd.ms-excel"),
            _ => None,
        };
    }
    None
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh storage key: `<year>/<month>/<random>`, never derived from the client's file name.
pub fn new_key(now: chrono::NaiveDateTime) -> String {
    format!("{}/{}", now.format("%Y/%m"), uuid::Uuid::new_v4().simple())
}

pub fn path_of(root: &Path, key: &str) -> PathBuf {
    root.join(key)
}

/// Writes the bytes under `key` atomically (a temporary file renamed into place).
pub fn store(root: &Path, key: &str, bytes: &[u8]) -> std::io::Result<()> {
    let path = path_of(root, key);
    let dir = path.parent().expect("keys have a directory");
    std::fs::create_dir_all(dir)?;
    let mut temporary = tempfile::NamedTempFile::new_in(dir)?;
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    temporary.persist(&path).map_err(|e| e.error)?;
    Ok(())
}

pub fn remove(root: &Path, key: &str) {
    let _ = std::fs::remove_file(path_of(root, key));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest", "x.png"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest", "photo"), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7", "licence.pdf"), Some("application/pdf"));
        assert_eq!(
            sniff(b"PK\x03\x04....", "plan.docx").map(|t| t.ends_with("document")),
            Some(true)
        );
        assert_eq!(sniff(b"PK\x03\x04....", "archive.zip"), None);
        assert_eq!(sniff(b"MZ\x90\x00", "setup.jpg"), None);
        assert_eq!(sniff(b"<script>", "page.pdf"), None);
    }

    #[test]
    fn keys_are_random_and_dated() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
            .unwrap()
            .and_hms_opt(1, 0, 0)
            .unwrap();
        let (a, b) = (new_key(now), new_key(now));
        assert!(a.starts_with("2026/03/"));
        assert_ne!(a, b);
    }
}
