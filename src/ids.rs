//! Typed ids: one newtype per kind of row, so a company id cannot be passed where a request id
//! is meant. They are stored as `BIGINT` through one generic `ToSql`/`FromSql` pair per type
//! (the way `db::enums` stores enums, which works through the multi backend), and leave the
//! process only as the API's opaque ids (`graphql::ids`) or as plain numbers in logs.

/// Declares a typed id over `i64` stored as `BIGINT`.
macro_rules! typed_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[serde(transparent)]
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        pub struct $name(pub i64);

        impl $name {
            /// An id no row has (ids start at 1): a scope built from it matches nothing.
            pub const NONE: $name = $name(0);

            /// The row id as stored.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> $name {
                $name(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<$name, Self::Err> {
                s.parse().map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl<DB> diesel::serialize::ToSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut diesel::serialize::Output<'b, '_, DB>) -> diesel::serialize::Result {
                <i64 as diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>>::to_sql(&self.0, out)
            }
        }

        impl<DB> diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB> for $name
        where
            DB: diesel::backend::Backend,
            i64: diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> diesel::deserialize::Result<Self> {
                <i64 as diesel::deserialize::FromSql<diesel::sql_types::BigInt, DB>>::from_sql(bytes).map($name)
            }
        }
    };
}

typed_id!(
    /// A user account (`users.id`).
    UserId
);
typed_id!(
    /// A company (`companies.id`).
    CompanyId
);
typed_id!(
    /// A department (`departments.id`).
    DepartmentId
);
typed_id!(
    /// A request (`requests.id`).
    RequestId
);
typed_id!(
    /// A department task on a request (`request_tasks.id`).
    TaskId
);
typed_id!(
    /// A timeline event (`request_events.id`).
    EventId
);
typed_id!(
    /// A key project (重点项目).
    ProjectId
);
typed_id!(
    /// A procedure handled on a key project's behalf (代办事项).
    ProcedureId
);

typed_id!(
    /// A policy item (`policies.id`).
    PolicyId
);
typed_id!(
    /// A policy package (`policy_packages.id`).
    PolicyPackageId
);
typed_id!(
    /// A notice to the zone (`zone_notices.id`).
    ZoneNoticeId
);
typed_id!(
    /// A published answer of the knowledge base (`knowledge_answers.id`).
    KnowledgeAnswerId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_show_and_convert_as_their_number() {
        assert_eq!(RequestId(42).to_string(), "42");
        assert_eq!(i64::from(CompanyId(7)), 7);
        assert_eq!(TaskId(3).get(), 3);
    }
}
