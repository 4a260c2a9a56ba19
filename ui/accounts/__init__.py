"""Account management for administrators: the list of accounts and the dialogs that change them."""
