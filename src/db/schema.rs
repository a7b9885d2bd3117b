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
        name_en -> Nullable<Text>,
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
        locale -> Text,
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
    categories (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        name_en -> Text,
        disabled_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    request_counters (year) {
        year -> Integer,
        last_number -> BigInt,
    }
}

diesel::table! {
    requests (id) {
        id -> BigInt,
        number -> Text,
        company_id -> BigInt,
        raised_by -> BigInt,
        channel -> Text,
        kind -> Text,
        category_id -> BigInt,
        urgency -> Text,
        title -> Text,
        description -> Text,
        officer_id -> Nullable<BigInt>,
        status -> Text,
        idempotency_key -> Nullable<Text>,
        answer -> Nullable<Text>,
        filing_number -> Nullable<Text>,
        solved -> Nullable<Bool>,
        satisfied -> Nullable<Bool>,
        feedback_comment -> Nullable<Text>,
        no_feedback -> Bool,
        feedback_at -> Nullable<Timestamp>,
        resolved_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        needs_coordination -> Bool,
        first_reply_due_at -> Nullable<Timestamp>,
        first_reply_remind_at -> Nullable<Timestamp>,
        first_replied_at -> Nullable<Timestamp>,
        resolve_due_at -> Nullable<Timestamp>,
        resolve_remind_at -> Nullable<Timestamp>,
        awaiting_company_since -> Nullable<Timestamp>,
        paused_seconds -> BigInt,
        overdue_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    request_tasks (id) {
        id -> BigInt,
        request_id -> BigInt,
        department_id -> Nullable<BigInt>,
        lead -> Bool,
        status -> Text,
        note -> Text,
        responsible -> Nullable<Text>,
        approach -> Nullable<Text>,
        due_at -> Nullable<Timestamp>,
        result -> Nullable<Text>,
        reason -> Nullable<Text>,
        dispatched_by -> Nullable<BigInt>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        reply_due_at -> Nullable<Timestamp>,
        reply_remind_at -> Nullable<Timestamp>,
        replied_at -> Nullable<Timestamp>,
        overdue_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    request_events (id) {
        id -> BigInt,
        request_id -> BigInt,
        task_id -> Nullable<BigInt>,
        kind -> Text,
        actor_id -> Nullable<BigInt>,
        text -> Text,
        internal -> Bool,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        created_at -> Timestamp,
        details -> Nullable<Text>,
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
        provider -> Text,
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
        provider -> Text,
        kind -> Text,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        request_id -> BigInt,
        event_id -> Nullable<BigInt>,
        uploaded_by -> BigInt,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        storage_key -> Text,
        internal -> Bool,
        created_at -> Timestamp,
        thumbnail_type -> Nullable<Text>,
        thumbnail -> Nullable<Binary>,
    }
}

diesel::table! {
    calendar_days (day) {
        day -> Text,
        kind -> Text,
        note -> Text,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sla_policies (id) {
        id -> BigInt,
        subject -> Text,
        coordinated -> Bool,
        urgency -> Text,
        first_reply_amount -> Integer,
        first_reply_unit -> Text,
        resolve_amount -> Nullable<Integer>,
        resolve_unit -> Nullable<Text>,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(users -> companies (company_id));
diesel::joinable!(users -> departments (department_id));
diesel::joinable!(officer_assignments -> companies (company_id));
diesel::joinable!(officer_assignments -> users (officer_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(requests -> companies (company_id));
diesel::joinable!(requests -> categories (category_id));
diesel::joinable!(request_tasks -> requests (request_id));
diesel::joinable!(request_tasks -> departments (department_id));
diesel::joinable!(request_events -> requests (request_id));

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
    categories,
    request_counters,
    requests,
    request_tasks,
    request_events,
    attachments,
    calendar_days,
    sla_policies,
    sla_extensions,
    sla_alerts,
    evaluation_periods,
    evaluation_votes,
    evaluation_roll,
    replacement_flags,
    award_eligibility,
);

diesel::table! {
    evaluation_periods (id) {
        id -> BigInt,
        year -> Integer,
        half -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        opened_at -> Nullable<Timestamp>,
        reminder_sent_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_votes (id) {
        id -> BigInt,
        period_id -> BigInt,
        company_id -> BigInt,
        officer_id -> BigInt,
        voter_id -> BigInt,
        verdict -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    evaluation_roll (id) {
        id -> BigInt,
        period_id -> BigInt,
        company_id -> BigInt,
        officer_id -> Nullable<BigInt>,
        verdict -> Nullable<Text>,
        reason -> Nullable<Text>,
        absence -> Nullable<Text>,
    }
}

diesel::table! {
    replacement_flags (id) {
        id -> BigInt,
        period_id -> BigInt,
        company_id -> BigInt,
        officer_id -> BigInt,
        status -> Text,
        reason -> Text,
        raised_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
        resolution_note -> Nullable<Text>,
        new_officer_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    award_eligibility (id) {
        id -> BigInt,
        officer_id -> BigInt,
        year -> Integer,
        status -> Text,
        note -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}
diesel::joinable!(replacement_flags -> evaluation_periods (period_id));

diesel::table! {
    sla_extensions (id) {
        id -> BigInt,
        request_id -> BigInt,
        task_id -> BigInt,
        requested_by -> BigInt,
        reason -> Text,
        previous_due_at -> Timestamp,
        requested_due_at -> Timestamp,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sla_alerts (id) {
        id -> BigInt,
        request_id -> BigInt,
        task_id -> Nullable<BigInt>,
        target -> Text,
        deadline -> Text,
        stage -> Text,
        due_at -> Timestamp,
        fired_at -> Timestamp,
    }
}

diesel::joinable!(sla_extensions -> request_tasks (task_id));
diesel::joinable!(sla_alerts -> requests (request_id));

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        user_id -> BigInt,
        key -> Text,
        operation -> Text,
        fingerprint -> Text,
        result_ref -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_throttles (id) {
        id -> BigInt,
        scope -> Text,
        key_hash -> Text,
        label -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        lockouts -> Integer,
        locked_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    visits (id) {
        id -> BigInt,
        officer_id -> BigInt,
        company_id -> BigInt,
        visited_on -> Text,
        people_met -> Text,
        notes -> Text,
        idempotency_key -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    visit_requests (visit_id, request_id) {
        visit_id -> BigInt,
        request_id -> BigInt,
    }
}

diesel::joinable!(visit_requests -> visits (visit_id));
diesel::allow_tables_to_appear_in_same_query!(audit_log, users);
diesel::allow_tables_to_appear_in_same_query!(visits, visit_requests);
diesel::allow_tables_to_appear_in_same_query!(visits, users);
diesel::allow_tables_to_appear_in_same_query!(visits, companies);
diesel::allow_tables_to_appear_in_same_query!(visits, requests);
diesel::allow_tables_to_appear_in_same_query!(visits, officer_assignments);
diesel::allow_tables_to_appear_in_same_query!(visit_requests, requests);

diesel::table! {
    sms_kinds (kind) {
        kind -> Text,
        mandatory -> Bool,
        overrides_quiet_hours -> Bool,
        urgent_only -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sms_opt_outs (user_id) {
        user_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sms_deliveries (id) {
        id -> BigInt,
        notification_id -> BigInt,
        user_id -> BigInt,
        phone -> Text,
        kind -> Text,
        request_number -> Text,
        overrides_quiet_hours -> Bool,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        expire_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        provider -> Nullable<Text>,
        provider_code -> Nullable<Text>,
        provider_message_id -> Nullable<Text>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(sms_deliveries -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(sms_deliveries, users);

diesel::table! {
    personal_data_erasures (user_id) {
        user_id -> BigInt,
        erased_by -> Nullable<BigInt>,
        erased_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        device -> Nullable<Text>,
        platform -> Nullable<Text>,
        address -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    second_factors (user_id) {
        user_id -> BigInt,
        pending_secret -> Nullable<Text>,
        secret -> Nullable<Text>,
        enabled_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        created_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

// Key projects (migration 2026-12-07-000023_key_projects).
diesel::table! {
    company_leaders (company_id) {
        company_id -> BigInt,
        leader_id -> BigInt,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    procedure_templates (id) {
        id -> BigInt,
        procedure_type -> Text,
        name -> Text,
        statutory_days -> Integer,
        department_id -> Nullable<BigInt>,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    key_projects (id) {
        id -> BigInt,
        company_id -> BigInt,
        name -> Text,
        investment_wan -> BigInt,
        industry -> Text,
        location -> Text,
        stage -> Text,
        stage_since -> Timestamp,
        rhythm -> Text,
        rhythm_since -> Timestamp,
        lead_liaison_id -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    project_members (project_id, user_id) {
        project_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    project_contacts (id) {
        id -> BigInt,
        project_id -> BigInt,
        name -> Text,
        phone -> Text,
        title -> Text,
    }
}

diesel::table! {
    project_stage_changes (id) {
        id -> BigInt,
        project_id -> BigInt,
        from_stage -> Nullable<Text>,
        to_stage -> Text,
        note -> Text,
        changed_by -> BigInt,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    project_procedures (id) {
        id -> BigInt,
        project_id -> BigInt,
        stage -> Text,
        procedure_type -> Text,
        name -> Text,
        department_id -> Nullable<BigInt>,
        statutory_days -> Integer,
        handler_id -> Nullable<BigInt>,
        documents -> Text,
        submitted_at -> Nullable<Timestamp>,
        accepted_at -> Nullable<Timestamp>,
        approved_at -> Nullable<Timestamp>,
        due_at -> Nullable<Timestamp>,
        remind_at -> Nullable<Timestamp>,
        overdue_at -> Nullable<Timestamp>,
        working_days_taken -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    procedure_alerts (id) {
        id -> BigInt,
        procedure_id -> BigInt,
        stage -> Text,
        due_at -> Timestamp,
        fired_at -> Timestamp,
    }
}

diesel::table! {
    project_checkins (id) {
        id -> BigInt,
        project_id -> BigInt,
        stage -> Text,
        kind -> Text,
        findings -> Text,
        recorded_by -> BigInt,
        checked_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    checkin_alerts (id) {
        id -> BigInt,
        project_id -> BigInt,
        window_start -> Timestamp,
        level -> Text,
        fired_at -> Timestamp,
    }
}

diesel::table! {
    project_requests (request_id) {
        request_id -> BigInt,
        project_id -> BigInt,
        stage -> Text,
    }
}

diesel::joinable!(project_procedures -> key_projects (project_id));
diesel::joinable!(project_checkins -> key_projects (project_id));
diesel::joinable!(project_members -> key_projects (project_id));
diesel::allow_tables_to_appear_in_same_query!(
    key_projects,
    project_procedures,
    project_checkins,
    project_members,
    procedure_alerts,
    procedure_templates,
    project_requests,
    checkin_alerts,
    company_leaders,
);

diesel::table! {
    company_profiles (company_id) {
        company_id -> BigInt,
        scale -> Nullable<Text>,
        employees -> Nullable<Integer>,
        revenue_band -> Nullable<Text>,
        industry_code -> Text,
        area -> Text,
        tags -> Text,
        version -> Integer,
        updated_by -> Nullable<BigInt>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policies (id) {
        id -> BigInt,
        title -> Text,
        issuer -> Text,
        summary -> Text,
        valid_from -> Nullable<Text>,
        valid_to -> Nullable<Text>,
        eligibility -> Text,
        without_application -> Bool,
        status -> Text,
        published_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policy_documents (id) {
        id -> BigInt,
        policy_id -> BigInt,
        name -> Text,
        url -> Text,
        position -> Integer,
    }
}

diesel::table! {
    policy_packages (id) {
        id -> BigInt,
        name -> Text,
        description -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policy_package_items (package_id, policy_id) {
        package_id -> BigInt,
        policy_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    policy_deliveries (id) {
        id -> BigInt,
        policy_id -> BigInt,
        company_id -> BigInt,
        delivered_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        asked_at -> Nullable<Timestamp>,
        request_id -> Nullable<BigInt>,
        applied_at -> Nullable<Timestamp>,
        granted_at -> Nullable<Timestamp>,
        granted_amount -> Nullable<BigInt>,
        granted_by -> Nullable<BigInt>,
        grant_note -> Text,
    }
}

diesel::table! {
    policy_matching (id) {
        id -> BigInt,
        rounds -> BigInt,
    }
}

diesel::table! {
    zone_notices (id) {
        id -> BigInt,
        category -> Text,
        title -> Text,
        body -> Text,
        important -> Bool,
        audience -> Text,
        sent_by -> BigInt,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    zone_notice_recipients (id) {
        id -> BigInt,
        notice_id -> BigInt,
        company_id -> BigInt,
        read_at -> Nullable<Timestamp>,
        read_by -> Nullable<BigInt>,
        reminded_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(zone_notice_recipients -> zone_notices (notice_id));
diesel::allow_tables_to_appear_in_same_query!(zone_notices, zone_notice_recipients);
diesel::joinable!(policy_deliveries -> policies (policy_id));
diesel::allow_tables_to_appear_in_same_query!(policies, policy_deliveries);
diesel::allow_tables_to_appear_in_same_query!(policies, policy_package_items);

diesel::table! {
    zone_issues (id) {
        id -> BigInt,
        title -> Text,
        carrier_request_id -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
        version -> Integer,
    }
}

diesel::table! {
    zone_issue_members (id) {
        id -> BigInt,
        zone_issue_id -> BigInt,
        request_id -> BigInt,
        linked_by -> BigInt,
        linked_at -> Timestamp,
        left_by -> Nullable<BigInt>,
        left_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    request_callbacks (id) {
        id -> BigInt,
        request_id -> BigInt,
        flagged_at -> Nullable<Timestamp>,
        callee -> Nullable<Text>,
        called_at -> Nullable<Timestamp>,
        solved -> Nullable<Bool>,
        satisfied -> Nullable<Bool>,
        comment -> Nullable<Text>,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(zone_issue_members -> zone_issues (zone_issue_id));
diesel::joinable!(zone_issue_members -> requests (request_id));
diesel::joinable!(request_callbacks -> requests (request_id));
diesel::allow_tables_to_appear_in_same_query!(zone_issues, zone_issue_members);
diesel::allow_tables_to_appear_in_same_query!(zone_issue_members, requests);
diesel::allow_tables_to_appear_in_same_query!(zone_issues, requests);
diesel::allow_tables_to_appear_in_same_query!(request_callbacks, requests);

// Similar requests and callers at intake (migration 2026-12-07-000024_similar_requests_and_callers).
diesel::table! {
    request_search_docs (request_id) {
        request_id -> BigInt,
        category_id -> BigInt,
        length -> Integer,
        raised_at -> Timestamp,
        indexed_at -> Timestamp,
    }
}

diesel::table! {
    request_search_terms (request_id, term) {
        request_id -> BigInt,
        term -> Text,
        tf -> Integer,
    }
}

// In how many indexed requests each term occurs (migration 2026-12-07-000026_search_term_counts).
diesel::table! {
    request_search_term_counts (term) {
        term -> Text,
        documents -> BigInt,
    }
}

diesel::table! {
    request_search_term_changes (id) {
        id -> BigInt,
        term -> Text,
        delta -> BigInt,
    }
}

diesel::table! {
    request_callers (request_id) {
        request_id -> BigInt,
        name -> Text,
        role -> Text,
        phone -> Nullable<Text>,
        user_id -> Nullable<BigInt>,
        erased_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(request_search_docs -> requests (request_id));
diesel::joinable!(request_search_terms -> request_search_docs (request_id));
diesel::joinable!(request_callers -> requests (request_id));
diesel::allow_tables_to_appear_in_same_query!(request_search_docs, request_search_terms, request_callers, requests);

// The knowledge base (migration 2026-12-07-000025_knowledge_base).
diesel::table! {
    knowledge_answers (id) {
        id -> BigInt,
        request_id -> Nullable<BigInt>,
        category_id -> BigInt,
        question -> Text,
        answer -> Text,
        length -> Integer,
        published_by -> BigInt,
        published_at -> Timestamp,
        withdrawn_by -> Nullable<BigInt>,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    knowledge_terms (answer_id, term) {
        answer_id -> BigInt,
        term -> Text,
        tf -> Integer,
    }
}

diesel::table! {
    knowledge_found (kind, item_id, user_id) {
        kind -> Text,
        item_id -> BigInt,
        user_id -> BigInt,
        company_id -> Nullable<BigInt>,
        found_at -> Timestamp,
    }
}

diesel::joinable!(knowledge_terms -> knowledge_answers (answer_id));
diesel::allow_tables_to_appear_in_same_query!(knowledge_answers, knowledge_terms);
