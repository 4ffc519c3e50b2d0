"""Pure rules: which event tells whom what (`rules`), how each message is planned (channels,
quiet hours, digests, language, signed links: `planning`), how it is worded (`templates`),
and what it costs (`sms`). No I/O: the clock's time and the database's rows are given."""
