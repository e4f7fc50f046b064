-- A library's public profile, shown in the platform's directory and on its pages: the
-- colour of its header (white text on it), a phone number, a postal address of a few
-- lines, a website, and where to write about accessibility (the contact email when
-- null). Every one may be left out.
ALTER TABLE tenants ADD COLUMN colour TEXT;
ALTER TABLE tenants ADD COLUMN phone TEXT;
ALTER TABLE tenants ADD COLUMN postal_address TEXT;
ALTER TABLE tenants ADD COLUMN website TEXT;
ALTER TABLE tenants ADD COLUMN accessibility_email TEXT;
CREATE INDEX tenants_directory ON tenants (status, name, slug);
