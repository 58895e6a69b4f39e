"""Use statistics for editors (/statistik): search insight and page views."""
