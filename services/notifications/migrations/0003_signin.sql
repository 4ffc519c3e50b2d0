-- Sign-in links (signin.requested.v1) look a person up by e-mail address, case-insensitively.
CREATE INDEX recipient_email_lower ON recipient (lower(email)) WHERE email IS NOT NULL;
