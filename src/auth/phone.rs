//! Mainland China mobile numbers, the login name of every account.

use super::errors::AuthReason;

/// Accepts `13812345678`, `+86 138 1234 5678`, `138-1234-5678` and `0086…`; returns the bare
/// 11 digits, or why the number is not a mobile number.
pub fn normalize(input: &str) -> Result<String, AuthReason> {
    let compact: String = input.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let digits = compact
        .strip_prefix("+86")
        .or_else(|| compact.strip_prefix("0086"))
        .unwrap_or(&compact);
    if digits.len() != 11 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AuthReason::PHONE_NOT_MOBILE);
    }
    let bytes = digits.as_bytes();
    if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
        return Err(AuthReason::PHONE_BAD_PREFIX);
    }
    Ok(digits.to_string())
}

/// `138****5678`: how a phone number may appear in logs.
pub fn mask(phone: &str) -> String {
    if phone.len() == 11 && phone.is_ascii() {
        format!("{}****{}", &phone[..3], &phone[7..])
    } else {
        "***".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        for input in ["13812345678", "+86 138 1234 5678", "138-1234-5678", "008613812345678"] {
            assert_eq!(normalize(input).unwrap(), "13812345678", "{input}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_mobile_number() {
        for input in [
            "",
            "1381234567",
            "138123456789",
            "12812345678",
            "23812345678",
            "1381234567x",
            "１３８１２３４５６７８",
        ] {
            assert!(normalize(input).is_err(), "{input}");
        }
    }

    #[test]
    fn masks_the_middle() {
        assert_eq!(mask("13812345678"), "138****5678");
    }
}
