"""Version 1 of the aimd wire contract (generated modules; never edit by hand)."""
