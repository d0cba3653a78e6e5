"""The kernel: what the site and the lookup both know, in the standard library only.

Nothing here imports pydantic, yaml, pelican or boto3; the lookup function ships this package.
"""
