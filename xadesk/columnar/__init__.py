"""Large tables a screen shows fifty rows of at a time (issue 15).

A view of 50,000 lines must not build 50,000 row objects or format 500,000 cells on the UI thread
each time a filter changes. ``table.Table`` holds the lines as columns (numpy arrays), loaded
once in the worker; filters, text search and sorting give an array of line numbers in a few
milliseconds, and the screen formats only the lines it shows. ``campaign_results`` loads a
campaign's results that way, within the viewer's scope and audited like ``screening_results.results``.
"""
