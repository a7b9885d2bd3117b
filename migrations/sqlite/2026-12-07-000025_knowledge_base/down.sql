DROP TABLE knowledge_found;
DROP TABLE knowledge_terms;
DROP TABLE knowledge_answers;
