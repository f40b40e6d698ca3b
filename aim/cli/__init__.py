"""The `aim` command line."""
