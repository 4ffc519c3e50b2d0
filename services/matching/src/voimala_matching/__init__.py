"""The matching service: partners, openings, mentors and matching."""
