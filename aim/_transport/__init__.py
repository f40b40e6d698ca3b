"""The private transport to aimd: channels, the daemon launcher, typed calls and the batch sender.

Nothing here returns SDK classes: only plain values (dicts, numpy arrays, lists).
"""
