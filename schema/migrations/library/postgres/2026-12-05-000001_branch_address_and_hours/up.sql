-- A branch tells its visitors where it is and when it is open: a postal address and
-- opening hours, each free text of a few lines as the library writes them. Both are
-- public, like the branch's name.
ALTER TABLE branches ADD COLUMN address TEXT;
ALTER TABLE branches ADD COLUMN opening_hours TEXT;
