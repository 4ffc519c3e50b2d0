"""Public renderings of the programme: JSON, an HTML poster (fi/sv/en) and iCalendar."""
