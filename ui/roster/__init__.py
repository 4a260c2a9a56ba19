"""The roster area: grade → class tree, the student table, a student's detail, the import wizard."""
