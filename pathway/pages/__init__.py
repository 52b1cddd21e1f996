"""Web pages of the pathway, one module per page (worklist.py, episode.py)."""
