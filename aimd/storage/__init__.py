"""Storage: the LevelDB engine (store), the key schema, encodings, and the read paths."""
