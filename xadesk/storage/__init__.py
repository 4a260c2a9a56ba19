"""Storage: the encrypted school database, its key slots, models and migrations."""
