"""Information pages: the accessibility statement and what kb stores about people."""
