"""Read confirmations: confirming a page, required reading and the reports of who has read what."""
