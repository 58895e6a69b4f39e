"""Action plans and activities: views (the domain logic lives in kb.services.plans)."""
