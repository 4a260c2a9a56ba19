"""Backups a teacher can trust: one encrypted ``.xabak`` file per backup (fileformat.py), made while
the app runs, checked without and with a password, restored only to a new path (service.py)."""
