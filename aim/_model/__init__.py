"""The object model: Repo, Run, sequences, query collections, a run's artifacts, finding a repository.

Imports aim._tracking, aim._transfer, aim._transport, aim._values, aim.objects, aim.ext, aim.errors;
inside, modules import downward in the order of the layer table (docs/architecture.md).
"""
