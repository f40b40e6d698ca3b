"""The write path of a tracking Run: track() buffers (buffers), and what it records of its process:
system metrics, terminal logs, system params (system/).

Imports aim._transport, aim._values, aim.objects, aim.ext, aim.errors; never the object model.
"""
