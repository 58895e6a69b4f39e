"""Static information pages: the accessibility statement."""
