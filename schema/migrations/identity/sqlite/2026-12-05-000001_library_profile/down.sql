DROP INDEX tenants_directory;
ALTER TABLE tenants DROP COLUMN accessibility_email;
ALTER TABLE tenants DROP COLUMN website;
ALTER TABLE tenants DROP COLUMN postal_address;
ALTER TABLE tenants DROP COLUMN phone;
ALTER TABLE tenants DROP COLUMN colour;
