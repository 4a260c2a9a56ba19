"""Core services: every function that reads or writes school data takes an ``AppContext`` (the
unlocked database and the acting user) and enforces that user's permissions and scope itself."""
