"""What every page shares: languages, templates, the session, CSRF and security headers."""
