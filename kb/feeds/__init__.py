"""Atom feeds of recent changes: the site's, an area's, a page type's and a structure's."""
