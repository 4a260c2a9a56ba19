"""Work on the school's keys as a whole: rotating the database key (rotation.py)."""
