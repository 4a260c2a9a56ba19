"""School domain rules that need no database: identity numbers, grades and classes, dates, demo data."""
