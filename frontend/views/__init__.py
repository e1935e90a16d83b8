"""Pages of the web UI. Each view parses a form, then calls the same selectors and
services that GraphQL calls; errors go through frontend.errors."""
