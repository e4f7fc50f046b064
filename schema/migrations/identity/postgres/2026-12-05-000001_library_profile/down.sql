DROP INDEX tenants_directory;
ALTER TABLE tenants DROP COLUMN accessibility_email, DROP COLUMN website, DROP COLUMN postal_address,
    DROP COLUMN phone, DROP COLUMN colour;
