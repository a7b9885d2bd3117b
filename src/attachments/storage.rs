//! What attachment bytes really are, their keys in the file store (`crate::blobs`), and the
//! thumbnails of photos.

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

/// The longest side of a thumbnail, in pixels: sharp in a list row on a 3× phone screen.
pub const THUMBNAIL_EDGE: u32 = 320;
/// A thumbnail larger than this is not kept (a 320-pixel JPEG is 10 to 30 KB).
const MAX_THUMBNAIL_BYTES: usize = 128 * 1024;

/// A small preview of a photo and its type.
pub struct Thumbnail {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// A thumbnail of a JPEG, PNG or WebP photo, at most [`THUMBNAIL_EDGE`] pixels a side and
/// turned upright as the camera's EXIF orientation says: a JPEG, or a PNG for images with
/// transparency. `None` for other files and for images that cannot be decoded within bounds
/// (the attachment is kept all the same, without a thumbnail). Decoding runs under limits, so a
/// small file claiming huge dimensions cannot exhaust memory.
/// (image 0.25: https://docs.rs/image/0.25.10/image/struct.ImageReader.html)
pub fn thumbnail(bytes: &[u8], content_type: &str) -> Option<Thumbnail> {
    use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
    let format = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        _ => return None,
    };
    let mut reader = ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(12_000);
    limits.max_image_height = Some(12_000);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).ok()?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    if image.width() > THUMBNAIL_EDGE || image.height() > THUMBNAIL_EDGE {
        image = image.thumbnail(THUMBNAIL_EDGE, THUMBNAIL_EDGE);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    let content_type = if image.color().has_alpha() {
        DynamicImage::ImageRgba8(image.to_rgba8())
            .write_to(&mut out, ImageFormat::Png)
            .ok()?;
        "image/png"
    } else {
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&DynamicImage::ImageRgb8(image.to_rgb8()))
            .ok()?;
        "image/jpeg"
    };
    let bytes = out.into_inner();
    (bytes.len() <= MAX_THUMBNAIL_BYTES).then_some(Thumbnail { bytes, content_type })
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
    fn photos_get_upright_thumbnails_and_documents_none() {
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(1000, 500, |x, _| {
            image::Rgb([(x % 256) as u8, 90, 30])
        }))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
        let small = thumbnail(&png, "image/png").expect("a thumbnail");
        assert_eq!(small.content_type, "image/jpeg");
        let decoded = image::load_from_memory(&small.bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (320, 160));
        assert!(thumbnail(b"%PDF-1.7", "application/pdf").is_none());
        assert!(thumbnail(b"\xFF\xD8\xFF\xE0 not really a photo", "image/jpeg").is_none());
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
