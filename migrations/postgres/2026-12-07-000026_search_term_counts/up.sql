-- In how many indexed requests each term occurs, for BM25's rarity (src/requests/similar/).
-- Counting the postings of a common term at every search cost half a second on 200,000
-- requests. The raising transaction appends one change per term (+1, or -1 when a request is
-- indexed again) to `request_search_term_changes`, which no two raises contend on; the
-- indexing job folds the changes into `request_search_term_counts`. A search reads both in
-- one statement, so the answer is exact whether or not the fold has run.
CREATE TABLE request_search_term_counts (
    term TEXT PRIMARY KEY NOT NULL,
    documents BIGINT NOT NULL CHECK (documents >= 0)
);

CREATE TABLE request_search_term_changes (
    id BIGSERIAL PRIMARY KEY,
    term TEXT NOT NULL,
    delta BIGINT NOT NULL CHECK (delta IN (-1, 1))
);
CREATE INDEX request_search_term_changes_term ON request_search_term_changes (term);

INSERT INTO request_search_term_counts (term, documents)
SELECT term, count(*) FROM request_search_terms GROUP BY term;
