//! What a notification says, in zh-CN and en. Push texts carry no personal data and no request
//! content: a kind, a request number or company name, and a short status line.

/// The language of a text, chosen from the device's locale tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    ZhCn,
    En,
}

impl Locale {
    /// `en`, `en-US`, `en_GB` … are English; everything else gets Chinese.
    pub fn from_tag(tag: &str) -> Locale {
        let tag = tag.trim().to_ascii_lowercase();
        if tag == "en" || tag.starts_with("en-") || tag.starts_with("en_") {
            Locale::En
        } else {
            Locale::ZhCn
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }
}

/// Every kind of notification the server sends. The stored and pushed kind is `as_str()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// An officer now serves a company (to the officer).
    OfficerAssigned,
    /// An officer no longer serves a company (to that officer).
    OfficerReleased,
    /// The company has a new service officer (to the company's staff).
    CompanyOfficerChanged,
}

impl NoticeKind {
    pub const ALL: &'static [NoticeKind] = &[
        NoticeKind::OfficerAssigned,
        NoticeKind::OfficerReleased,
        NoticeKind::CompanyOfficerChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::OfficerAssigned => "OFFICER_ASSIGNED",
            NoticeKind::OfficerReleased => "OFFICER_RELEASED",
            NoticeKind::CompanyOfficerChanged => "COMPANY_OFFICER_CHANGED",
        }
    }

    /// Title and body of this kind about `subject` (a request number or a company name).
    pub fn render(self, locale: Locale, subject: &str) -> (String, String) {
        use Locale::*;
        use NoticeKind::*;
        let (title, body) = match (self, locale) {
            (OfficerAssigned, ZhCn) => ("新的服务企业", format!("您已被指派为「{subject}」的企业服务专员")),
            (OfficerAssigned, En) => (
                "New company to serve",
                format!("You are now the service officer of {subject}"),
            ),
            (OfficerReleased, ZhCn) => ("服务企业调整", format!("您已不再担任「{subject}」的企业服务专员")),
            (OfficerReleased, En) => ("Company reassigned", format!("You no longer serve {subject}")),
            (CompanyOfficerChanged, ZhCn) => (
                "服务专员变更",
                "贵企业的服务专员已更换，请在应用中查看联系方式".to_string(),
            ),
            (CompanyOfficerChanged, En) => (
                "Your service officer changed",
                "Your company has a new service officer; see the app for contact details".to_string(),
            ),
        };
        (title.to_string(), body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_read_from_tags() {
        assert_eq!(Locale::from_tag("en-US"), Locale::En);
        assert_eq!(Locale::from_tag("EN_gb"), Locale::En);
        assert_eq!(Locale::from_tag("zh-Hans-CN"), Locale::ZhCn);
        assert_eq!(Locale::from_tag(""), Locale::ZhCn);
        assert_eq!(Locale::from_tag("english"), Locale::ZhCn);
    }

    #[test]
    fn every_kind_has_both_languages() {
        for kind in NoticeKind::ALL {
            let (zh_title, zh_body) = kind.render(Locale::ZhCn, "甲公司");
            let (en_title, en_body) = kind.render(Locale::En, "甲公司");
            assert!(!zh_title.is_empty() && !zh_body.is_empty() && !en_title.is_empty() && !en_body.is_empty());
            assert_ne!(zh_title, en_title, "{kind:?}");
        }
    }
}
