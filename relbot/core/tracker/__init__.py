"""The release tracker: its values, its events, and the fold that makes one of the other."""
