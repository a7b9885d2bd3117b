DROP TABLE request_callbacks;
DROP TABLE zone_issue_members;
DROP TABLE zone_issues;
