"""The payers' flux (CAF, MSA, partner CSV): read a file, match its people, apply each line.

`records` says what a line means once read; `readers` turn a file into records (streaming,
defusedxml); the importer matches and applies them through the one transition door.
"""
