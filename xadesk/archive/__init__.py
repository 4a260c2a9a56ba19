"""The growth archive (一生一档): one student's records assembled into a document, its PDF editions,
and the transfer file that follows the student to the next school (档随人走).

``document`` builds the archive (with sections other areas register), ``pdf`` renders it,
``transfer`` writes and reads the transfer file; the format is in ARCHIVE_FORMAT.md.
"""
