//! Relay connections over keyset pages.

use async_graphql::connection::CursorType;
use async_graphql::SimpleObject;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::db::{Page, PageRequest};
use crate::error::{AppError, AppResult, CoreReason};

/// A cursor naming the row a page continues after.
pub struct RowCursor(pub i64);

impl CursorType for RowCursor {
    type Error = String;

    fn decode_cursor(s: &str) -> Result<Self, Self::Error> {
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| "malformed cursor".to_string())?;
        let text = String::from_utf8(bytes).map_err(|_| "malformed cursor".to_string())?;
        text.strip_prefix("r:")
            .and_then(|n| n.parse().ok())
            .map(RowCursor)
            .ok_or_else(|| "malformed cursor".to_string())
    }

    fn encode_cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("r:{}", self.0))
    }
}

/// Where a page sits in its list.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// True when more items follow this page.
    pub has_next_page: bool,
    /// True when items precede this page.
    pub has_previous_page: bool,
    /// Cursor of the first item of this page.
    pub start_cursor: Option<String>,
    /// Cursor of the last item of this page: pass it as `after` for the next page.
    pub end_cursor: Option<String>,
}

impl PageInfo {
    pub fn of<T>(page: &Page<T>, row_id: impl Fn(&T) -> i64) -> PageInfo {
        PageInfo {
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            start_cursor: page.items.first().map(|i| RowCursor(row_id(i)).encode_cursor()),
            end_cursor: page.items.last().map(|i| RowCursor(row_id(i)).encode_cursor()),
        }
    }
}

/// Declares a Relay connection and its edge for one node type, each described for the SDL:
/// `connection_types!(CompanyConnection, CompanyEdge, CompanyNode, "companies");`
#[macro_export]
macro_rules! connection_types {
    ($connection:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $connection {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// Where this page sits in the list.
            pub page_info: $crate::graphql::pagination::PageInfo,
            /// How many items the whole list holds, across all pages.
            pub total_count: i64,
        }

        #[doc = concat!("One of the ", $what, " in a page, with its cursor.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Pass as `after` to continue after this item.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl $connection {
            pub fn from_page<T, K: Into<i64>>(
                page: $crate::db::Page<T>,
                row_id: impl Fn(&T) -> K,
                node: impl Fn(T) -> $node,
            ) -> $connection {
                let row_id = |item: &T| -> i64 { row_id(item).into() };
                use async_graphql::connection::CursorType;
                let page_info = $crate::graphql::pagination::PageInfo::of(&page, &row_id);
                let total_count = page.total_count;
                let edges = page
                    .items
                    .into_iter()
                    .map(|item| $edge {
                        cursor: $crate::graphql::pagination::RowCursor(row_id(&item)).encode_cursor(),
                        node: node(item),
                    })
                    .collect();
                $connection {
                    edges,
                    page_info,
                    total_count,
                }
            }
        }
    };
}

/// Checks `first` and `after` and turns them into a page request.
pub fn page_request(first: Option<i32>, after: Option<String>) -> AppResult<PageRequest> {
    let limit = match first {
        None => DEFAULT_PAGE_SIZE,
        Some(n) if n < 0 => return Err(AppError::bad_field("first", CoreReason::PAGE_SIZE_NEGATIVE)),
        Some(n) if n > MAX_PAGE_SIZE => {
            return Err(AppError::bad_field("first", CoreReason::PAGE_SIZE_TOO_LARGE).arg("max", MAX_PAGE_SIZE))
        }
        Some(n) => n,
    };
    let after = match after {
        None => None,
        Some(cursor) => Some(
            RowCursor::decode_cursor(&cursor)
                .map_err(|_| AppError::bad_field("after", CoreReason::INVALID_CURSOR))?
                .0,
        ),
    };
    Ok(PageRequest {
        after,
        limit: i64::from(limit),
    })
}
