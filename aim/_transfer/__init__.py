"""Data in bulk: whole runs between repositories (copy), the run archive file (archive), and the
stores that keep artifacts and archives at file:// and s3:// (stores).

Imports aim._transport, aim._values, aim.errors; never the object model (it is handed a Repo).
"""
