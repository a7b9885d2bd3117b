-- The knowledge base (src/knowledge/, docs/knowledge.md): answers to consultations that an
-- officer or admin published, anonymised (the question and answer as they rewrote them; no
-- company named), so companies find them before asking. `request_id` is the consultation it
-- came from, if any (one answer per consultation); withdrawn answers stay for the counts.
CREATE TABLE knowledge_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT UNIQUE REFERENCES requests (id),
    category_id BIGINT NOT NULL REFERENCES categories (id),
    question TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
    answer TEXT NOT NULL CHECK (length(answer) BETWEEN 1 AND 5000),
    length INTEGER NOT NULL CHECK (length >= 0),
    published_by BIGINT NOT NULL REFERENCES users (id),
    published_at TIMESTAMP NOT NULL,
    withdrawn_by BIGINT REFERENCES users (id),
    withdrawn_at TIMESTAMP
);
CREATE INDEX knowledge_answers_published ON knowledge_answers (published_at);

-- Each published answer's question as segmented terms (src/search/), for BM25.
CREATE TABLE knowledge_terms (
    answer_id BIGINT NOT NULL REFERENCES knowledge_answers (id) ON DELETE CASCADE,
    term TEXT NOT NULL CHECK (length(term) BETWEEN 1 AND 64),
    tf INTEGER NOT NULL CHECK (tf > 0),
    PRIMARY KEY (answer_id, term)
);
CREATE INDEX knowledge_terms_term ON knowledge_terms (term, answer_id);

-- "This answered my question": one row per person and answer or policy found before asking.
CREATE TABLE knowledge_found (
    kind TEXT NOT NULL CHECK (kind IN ('ANSWER', 'POLICY')),
    item_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id),
    company_id BIGINT REFERENCES companies (id),
    found_at TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, item_id, user_id)
);
CREATE INDEX knowledge_found_at ON knowledge_found (found_at);
