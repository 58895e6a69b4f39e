"""Search: the results page, title suggestions and the `kb search` / `kb reindex` commands."""
