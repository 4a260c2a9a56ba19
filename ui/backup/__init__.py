"""Backups in the desktop app: the backup and restore dialog, the login notices banner, and the
automatic backup when a counselor or administrator closes the app."""
