ALTER TABLE branches DROP COLUMN opening_hours;
ALTER TABLE branches DROP COLUMN address;
