"""Reports (issue 13): the school's indicators (``indicators``), small-count suppression
(``suppression``), the shape every output reads (``figures``), charts, the school report as PDF and
xlsx (``school_report``), the registers behind plan figures (``plan_records``), the district file
(``aggregate``); and the shared PDF building blocks (font, styles, page, tables, handover list)."""
