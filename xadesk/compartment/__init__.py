"""The counselling compartment: counselling content encrypted under a key that only counselors and
the recovery key hold (issue 10, item 4). ``content`` seals and opens the text columns; ``answers``
seals item-level answers to a public key derived from it (so any session can write them, only key
holders read them); ``access`` finds, grants and checks the key at login and encrypts content written
before compartments."""
