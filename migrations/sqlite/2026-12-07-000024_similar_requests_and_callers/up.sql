-- Similar requests (src/requests/similar/): each request's text as segmented terms, so BM25 can
-- score an incoming request against the open ones. One row per indexed request (its length in
-- terms, and what the score's category and time closeness need) and one row per (request, term)
-- with the term's count. Written in the raising transaction; requests raised before this
-- migration are indexed by the "similar-request index" job.
CREATE TABLE request_search_docs (
    request_id BIGINT PRIMARY KEY NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    category_id BIGINT NOT NULL,
    length INTEGER NOT NULL CHECK (length >= 0),
    raised_at TIMESTAMP NOT NULL,
    indexed_at TIMESTAMP NOT NULL
);
CREATE INDEX request_search_docs_raised ON request_search_docs (raised_at);

CREATE TABLE request_search_terms (
    request_id BIGINT NOT NULL REFERENCES request_search_docs (request_id) ON DELETE CASCADE,
    term TEXT NOT NULL CHECK (length(term) BETWEEN 1 AND 64),
    tf INTEGER NOT NULL CHECK (tf > 0),
    PRIMARY KEY (request_id, term)
);
CREATE INDEX request_search_terms_term ON request_search_terms (term, request_id);

-- Who in the company called the hotline or was met on a visit, for a request an officer or an
-- admin raised on the company's behalf. `user_id` is the company's account with that phone, if
-- any; the erasure of a person masks the rows with their account or their phone.
CREATE TABLE request_callers (
    request_id BIGINT PRIMARY KEY NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    phone TEXT,
    user_id BIGINT REFERENCES users (id),
    erased_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX request_callers_user ON request_callers (user_id);
CREATE INDEX request_callers_phone ON request_callers (phone);
