"""End-to-end jobs behind the train / predict / eval commands."""
