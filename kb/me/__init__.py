"""Min sida: what waits for the logged-in user, their watches, notifications and e-mail choice."""
