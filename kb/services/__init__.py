"""Domain services: plain functions over the database session, used by views, CLI, API and tests."""
