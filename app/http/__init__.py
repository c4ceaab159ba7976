"""HTTP plumbing under every route: middleware (request ids, body limits and deadlines, NUL
guard, HEAD, security headers, conditional GETs), authentication, dependencies, paging, error
handling, and the server protocol."""
