"""The counselling compartment: counselling content encrypted under a key that only counselors and
the recovery key hold (issue 10, item 4). ``content`` seals and opens the columns; ``access``
finds, grants and checks the key at login and encrypts content written before compartments."""
