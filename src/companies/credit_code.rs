//! The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a
//! 31-letter alphabet, the last a check character over the first 17.

use super::errors::CompaniesReason;
use crate::error::{AppError, AppResult};

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character for the first 17 characters, if they are all in the alphabet.
pub fn check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (i, &c) in bytes.iter().enumerate() {
        sum += value_of(c)? * WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Some(ALPHABET[check as usize] as char)
}

/// Upper-cases and checks a code; returns it or why it is wrong (on the `creditCode` field).
pub fn normalize(input: &str) -> AppResult<String> {
    let refuse = |reason: CompaniesReason| AppError::bad_field("creditCode", reason);
    let code: String = input.trim().to_ascii_uppercase();
    if code.len() != 18 || !code.is_ascii() {
        return Err(refuse(CompaniesReason::CREDIT_CODE_LENGTH));
    }
    if let Some(bad) = code.bytes().find(|&c| value_of(c).is_none()) {
        return Err(refuse(CompaniesReason::CREDIT_CODE_BAD_CHARACTER).arg("character", bad as char));
    }
    if !code.as_bytes()[2..8].iter().all(u8::is_ascii_digit) {
        return Err(refuse(CompaniesReason::CREDIT_CODE_BAD_REGION));
    }
    let expected = check_char(&code[..17]).expect("alphabet checked above");
    if code.as_bytes()[17] as char != expected {
        return Err(refuse(CompaniesReason::CREDIT_CODE_CHECK_FAILED));
    }
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_codes() {
        // Codes printed on public business licences.
        for code in ["91350100M000100Y43", "91110000600037341L", "9144030071526726XG"] {
            assert_eq!(normalize(code).unwrap(), code, "{code}");
        }
        assert_eq!(normalize(" 91350100m000100y43 ").unwrap(), "91350100M000100Y43");
    }

    #[test]
    fn refuses_wrong_check_characters_and_shapes() {
        assert!(normalize("91350100M000100Y44").is_err());
        assert!(normalize("91350100M000100Y4").is_err());
        assert!(normalize("91350100M000100I43").is_err());
        assert!(normalize("91AB0100M000100Y43").is_err());
        assert!(normalize("９1350100M000100Y43").is_err());
    }
}
