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
        quiet_start_minute -> Integer,
        quiet_end_minute -> Integer,
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

diesel::table! {
    devices (id) {
        id -> BigInt,
        user_id -> BigInt,
        token -> Text,
        platform -> Text,
        locale -> Text,
        app_version -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        title -> Text,
        body -> Text,
        locale -> Text,
        request_id -> Nullable<BigInt>,
        company_id -> Nullable<BigInt>,
        urgent -> Bool,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    push_deliveries (id) {
        id -> BigInt,
        notification_id -> BigInt,
        device_id -> Nullable<BigInt>,
        token -> Text,
        platform -> Text,
        title -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(users -> companies (company_id));
diesel::joinable!(users -> departments (department_id));
diesel::joinable!(officer_assignments -> companies (company_id));
diesel::joinable!(officer_assignments -> users (officer_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::joinable!(devices -> users (user_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(push_deliveries -> notifications (notification_id));

diesel::allow_tables_to_appear_in_same_query!(
    companies,
    departments,
    users,
    officer_assignments,
    refresh_tokens,
    devices,
    notifications,
    push_deliveries,
);
