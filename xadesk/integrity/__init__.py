"""The full page check of the school database after login (issue 15): login stays flat in size."""
