"""Routing: which category a text is and which department must act on it."""
