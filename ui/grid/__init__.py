"""The four-level warning grid screens (预警网格): grid tree and list, review queue, a student's tracking page."""
