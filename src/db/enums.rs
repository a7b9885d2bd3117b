//! Rust enums stored as `TEXT` (with a `CHECK` in the migrations), readable on both backends
//! through one generic `ToSql`/`FromSql` pair per enum.

/// Declares how an enum maps to its stored text and implements diesel's `ToSql`/`FromSql`
/// for `Text` on every backend that can move a `str`.
#[macro_export]
macro_rules! text_enum {
    ($ty:ty { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),+];

            pub fn as_str(&self) -> &'static str {
                match self {
                    $(<$ty>::$variant => $text),+
                }
            }

            pub fn from_text(text: &str) -> Option<$ty> {
                match text {
                    $($text => Some(<$ty>::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <str as diesel::serialize::ToSql<diesel::sql_types::Text, DB>>::to_sql(self.as_str(), out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::Text, DB> for $ty
        where
            DB: diesel::backend::Backend,
            String: diesel::deserialize::FromSql<diesel::sql_types::Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                let text = <String as diesel::deserialize::FromSql<diesel::sql_types::Text, DB>>::from_sql(bytes)?;
                <$ty>::from_text(&text).ok_or_else(|| format!("unknown {} value {text:?}", stringify!($ty)).into())
            }
        }
    };
}

/// Declares an enum stored as `TEXT` that is also a GraphQL enum:
/// `stored_enum!(/// doc \n Role { /// doc \n Company => "COMPANY", … });`
#[macro_export]
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            async_graphql::Enum,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        $crate::text_enum!($name { $($variant => $text),+ });
    };
}
