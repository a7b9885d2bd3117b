//! The reader's language. Every text the server writes for a person (event texts, error
//! messages, notification texts, labels) comes from a table with a zh-CN and an English text;
//! this module holds the locale type, the tables' shape (`reasons!`, `labels!`) and how the
//! locale of a request is chosen.
//!
//! The locale of a GraphQL request is the caller's own (`users.locale`, zh-CN by default),
//! overridden by an `Accept-Language` header. The HTTP shell runs the request inside [`scope`],
//! so the error boundary and the resolvers read it with [`current`] without threading it
//! through every call. Texts written for someone else (a notification for its recipient) take
//! the recipient's locale explicitly.

use std::fmt::Write;
use std::future::Future;

crate::stored_enum!(
    /// A language the server writes in.
    Locale {
        /// Simplified Chinese (简体中文), the default.
        ZhCn => "zh-CN",
        /// English.
        En => "en",
    }
);

// The enum is declared by `stored_enum!`, whose derives do not include `Default`.
#[allow(clippy::derivable_impls)]
impl Default for Locale {
    fn default() -> Locale {
        Locale::ZhCn
    }
}

tokio::task_local! {
    static LOCALE: Locale;
}

/// Runs `future` with `locale` as the reader's language.
pub async fn scope<F: Future>(locale: Locale, future: F) -> F::Output {
    LOCALE.scope(locale, future).await
}

/// Polls `stream` with `locale` as the reader's language (for subscriptions, whose streams are
/// polled outside the request's task).
pub fn scope_stream<S>(locale: Locale, stream: S) -> impl futures_util::Stream<Item = S::Item>
where
    S: futures_util::Stream + Send + 'static,
{
    let mut stream = Box::pin(stream);
    futures_util::stream::poll_fn(move |cx| LOCALE.sync_scope(locale, || stream.as_mut().poll_next(cx)))
}

/// The reader's language of the running request (zh-CN outside a request).
pub fn current() -> Locale {
    LOCALE.try_with(|locale| *locale).unwrap_or_default()
}

impl Locale {
    /// The locale a language tag names (`zh`, `zh-CN`, `zh-Hans-CN`, `en`, `en-GB`, …), if we
    /// write in it. Every Chinese tag reads the simplified Chinese texts.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Locale::ZhCn),
            "en" => Some(Locale::En),
            _ => None,
        }
    }

    /// The preferred locale of an `Accept-Language` header (RFC 9110 §12.5.4): the supported
    /// language with the highest weight, the first one listed among equals; `None` when the
    /// header names none we write in.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(Locale, f32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_tag) else {
                continue;
            };
            let weight = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if weight > 0.0 && best.is_none_or(|(_, w)| weight > w) {
                best = Some((locale, weight));
            }
        }
        best.map(|(locale, _)| locale)
    }

    /// Picks the text of this locale.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Locale::ZhCn => zh,
            Locale::En => en,
        }
    }
}

/// One entry of a table of texts: a stable code and its text in each language.
pub trait Reason: Copy + std::fmt::Debug + Send + Sync + 'static {
    /// The stable SCREAMING_SNAKE_CASE value clients match on.
    fn code(self) -> &'static str;
    /// The text in `locale`, with `{name}` placeholders filled by [`render`].
    fn template(self, locale: Locale) -> &'static str;
}

/// Fills `{name}` placeholders of `template` from `args`; an unknown placeholder stays as
/// written (the tables' test makes sure none is left unfilled by their callers' names).
pub fn render(template: &str, args: &[(&'static str, String)]) -> String {
    if args.is_empty() || !template.contains('{') {
        return template.to_string();
    }
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        let _ = write!(out, "{{{name}}}");
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholder names of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        names.push(&after[..end]);
        rest = &after[end + 1..];
    }
    names
}

/// One row of a table of texts, for the tables' test and for clients that list them.
#[derive(Debug, Clone, Copy)]
pub struct TextRow {
    pub table: &'static str,
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// Declares a table of texts: an enum whose variants are the stable codes, each with its
/// zh-CN and English text.
///
/// ```ignore
/// zhitong::reasons! {
///     /// Why a request operation was refused.
///     pub enum RequestReason {
///         REQUEST_NOT_FOUND => "找不到该诉求", "request not found";
///     }
/// }
/// ```
#[macro_export]
macro_rules! reasons {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $zh:literal, $en:literal;)+ }) => {
        $(#[$meta])*
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every entry, for the tables' test.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every entry with its texts.
            pub fn rows() -> Vec<$crate::i18n::TextRow> {
                vec![$($crate::i18n::TextRow {
                    table: stringify!($name),
                    code: stringify!($variant),
                    zh: $zh,
                    en: $en,
                }),+]
            }
        }

        impl $crate::i18n::Reason for $name {
            fn code(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant)),+
                }
            }

            fn template(self, locale: $crate::i18n::Locale) -> &'static str {
                match (self, locale) {
                    $(($name::$variant, $crate::i18n::Locale::ZhCn) => $zh,
                      ($name::$variant, $crate::i18n::Locale::En) => $en,)+
                }
            }
        }
    };
}

/// Declares the labels of a GraphQL enum the apps show, one zh-CN and one English text per
/// value: `labels!(RequestStatus { Submitted => "待受理", "submitted"; … });` gives
/// `RequestStatus::label(locale)` and the rows for the tables' test. A missing value is a
/// compile error (the match is exhaustive).
#[macro_export]
macro_rules! labels {
    ($ty:ident { $($variant:ident => $zh:literal, $en:literal;)+ }) => {
        impl $ty {
            /// The value's label in `locale`.
            pub fn label(self, locale: $crate::i18n::Locale) -> &'static str {
                match (self, locale) {
                    $(($ty::$variant, $crate::i18n::Locale::ZhCn) => $zh,
                      ($ty::$variant, $crate::i18n::Locale::En) => $en,)+
                }
            }

            /// Every value's labels, for the tables' test and the `labels` query.
            pub fn label_rows() -> Vec<$crate::i18n::TextRow> {
                vec![$($crate::i18n::TextRow {
                    table: stringify!($ty),
                    code: $ty::$variant.as_str(),
                    zh: $zh,
                    en: $en,
                }),+]
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_heaviest_supported_language() {
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9"), Some(Locale::En));
        assert_eq!(
            Locale::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            Locale::from_accept_language("fr;q=1, en;q=0.5, zh;q=0.7"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("zh-Hant-TW"), Some(Locale::ZhCn));
        assert_eq!(Locale::from_accept_language("en_GB"), Some(Locale::En));
        assert_eq!(Locale::from_accept_language("fr, de"), None);
        assert_eq!(Locale::from_accept_language("en;q=0, zh;q=0"), None);
        assert_eq!(Locale::from_accept_language(""), None);
    }

    #[test]
    fn placeholders_are_filled_by_name() {
        let args = [("max", "100".to_string()), ("what", "标题".to_string())];
        assert_eq!(render("{what}最多 {max} 个字", &args), "标题最多 100 个字");
        assert_eq!(render("at most {max}, {unknown}", &args), "at most 100, {unknown}");
        assert_eq!(render("no args {", &args), "no args {");
        assert_eq!(placeholders("{a} and {b}"), vec!["a", "b"]);
    }

    #[tokio::test]
    async fn the_scope_sets_the_reader_s_language() {
        assert_eq!(current(), Locale::ZhCn);
        assert_eq!(scope(Locale::En, async { current() }).await, Locale::En);
    }
}
