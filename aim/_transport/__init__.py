"""The private transport to aimd: channels (channel), remote addresses with their token and TLS
(credentials), the daemon launcher (launcher), typed calls (client), the wire format (codec,
results), and tracking's way out: batching (sender), object encoding and packing (encoding), the
Track stream with acks and replay (stream).

Nothing here returns SDK classes: only plain values (dicts, numpy arrays, lists, results' items).
Only this package imports the generated protobuf code.
"""
