"""The participants service: the registry of job seekers."""
