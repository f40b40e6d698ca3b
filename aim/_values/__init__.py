"""Plain values every layer may use: contexts, params, the UTF-8 text rule, and tqdm progress bars.

Imports nothing of aim but aim.errors (and aimproto.contract).
"""
