DROP TABLE request_callers;
DROP TABLE request_search_terms;
DROP TABLE request_search_docs;
