// Written by hand: one schema for both backends (see diesel.toml).

diesel::table! {
    companies (id) {
        id -> BigInt,
        name -> Text,
        credit_code -> Text,
        industry -> Text,
        address -> Text,
        key_enterprise -> Bool,
        disabled_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        disabled_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        role -> Text,
        phone -> Text,
        name -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        company_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        principal -> Bool,
        zone_leader -> Bool,
        disabled_at -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    officer_assignments (id) {
        id -> BigInt,
        company_id -> BigInt,
        officer_id -> BigInt,
        reason -> Text,
        assigned_by -> Nullable<BigInt>,
        started_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
        ended_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> companies (company_id));
diesel::joinable!(users -> departments (department_id));
diesel::joinable!(officer_assignments -> companies (company_id));
diesel::joinable!(officer_assignments -> users (officer_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(companies, departments, users, officer_assignments, refresh_tokens);
