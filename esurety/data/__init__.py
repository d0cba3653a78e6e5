"""Data: the strict YAML reader, the validated model, cross-file checks and their Japanese messages."""
