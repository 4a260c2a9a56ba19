"""Shared PDF building blocks (reportlab): the embedded CJK font, paragraph styles, the page
template with header and page numbers, and small documents such as the handover list."""
