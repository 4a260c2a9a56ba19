"""XA Desk core: domain, storage, scoring, archives, reports and the command line.

This package never imports Qt; ``ui/`` is the only front end that does.
"""

__version__ = "0.3.0"
