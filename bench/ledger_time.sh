#!/bin/sh
# Times each statistics query (three runs each) and the full ledger export against a running
# server on the database filled by bench/ledger_1m.sql (admin 13800000000 / bench-password-123):
#   ZHITONG_WORKERS=false ZHITONG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhitong_stats \
#     target/release/zhitong serve &
#   URL=http://127.0.0.1:8080 sh bench/ledger_time.sh
URL=${URL:-http://127.0.0.1:8080}
TOKEN=$(curl -s $URL/graphql -H 'content-type: application/json' -d '{"query":"mutation { login(phone: \"13800000000\", password: \"bench-password-123\") { accessToken } }"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["login"]["accessToken"])')
q() { printf '%-28s' "$1"; for i in 1 2 3; do curl -s -o ${TMPDIR:-/tmp}/ledger-out.json -w "%{time_total} " $URL/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" -d "$2"; done; grep -q '"errors"' ${TMPDIR:-/tmp}/ledger-out.json && echo ERROR; echo; }
STATS='received resolved onTimeRate satisfactionRate solvedRate overdue firstReply { count medianSeconds p90Seconds } resolution { count medianSeconds p90Seconds } byKind { kind count { received resolved overdue } } byCategory { count { received } } byChannel { count { received } } byStatus { count { received } } byMonth { month count { received } } coverage { withoutOfficer }'
q "stats, full year" "{\"query\":\"{ stats(from: \\\"2025-11-23\\\", to: \\\"2026-11-22\\\") { $STATS } }\"}"
q "stats, one month" "{\"query\":\"{ stats(from: \\\"2026-10-01\\\", to: \\\"2026-10-31\\\") { $STATS } }\"}"
q "officerPerformance, year" '{"query":"{ officerPerformance(from: \"2025-11-23\", to: \"2026-11-22\", first: 20) { totalCount edges { node { companiesServed openRequests received resolved overdue satisfactionRate lastEvaluation { satisfied } } } } }"}'
q "officerPerformance, month" '{"query":"{ officerPerformance(from: \"2026-10-01\", to: \"2026-10-31\", first: 20) { totalCount edges { node { companiesServed openRequests received resolved overdue satisfactionRate } } } }"}'
q "departmentPerformance, year" '{"query":"{ departmentPerformance(from: \"2025-11-23\", to: \"2026-11-22\", first: 20) { totalCount edges { node { tasks replied onTimeRate averageReplySeconds done averageHandlingSeconds transfersOut } } } }"}'
q "departmentPerformance, month" '{"query":"{ departmentPerformance(from: \"2026-10-01\", to: \"2026-10-31\", first: 20) { totalCount edges { node { tasks replied onTimeRate averageReplySeconds done averageHandlingSeconds transfersOut } } } }"}'
q "visitCoverage, year" '{"query":"{ visitCoverage(from: \"2025-11-23\", to: \"2026-11-22\", first: 20) { totalCount edges { node { companiesServed companiesVisited } } } }"}'
printf '%-28s' "export, full ledger"; curl -s -o ${TMPDIR:-/tmp}/ledger-export.csv -w "%{time_total} s, %{size_download} bytes\n" -H "authorization: Bearer $TOKEN" "$URL/export/requests.csv"
wc -l < ${TMPDIR:-/tmp}/ledger-export.csv
