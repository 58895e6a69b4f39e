"""The glossary: abbreviations and terms, read by everyone, edited by editors, with history."""
