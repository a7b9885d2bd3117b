DROP TABLE award_eligibility;
DROP TABLE replacement_flags;
DROP TABLE evaluation_roll;
DROP TABLE evaluation_votes;
DROP TABLE evaluation_periods;
