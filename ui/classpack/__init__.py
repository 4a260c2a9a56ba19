"""Class packs in the app: teacher mode on a homeroom teacher's own PC (``teacher``) and the
counselor's import of returns (``returns``)."""
