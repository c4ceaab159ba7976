"""Request and response shapes of the API routers, one module per router. Shapes the pages
share live in app/reads; the service model family in app/store."""
