DROP TABLE import_problem_counts;
