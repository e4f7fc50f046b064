ALTER TABLE branches DROP COLUMN opening_hours, DROP COLUMN address;
