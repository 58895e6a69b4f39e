"""Area pages: each collaboration body's start page (/omrade/<key>)."""
