"""HTTP for agents: the inbox, ticket pages and their partials. One module per screen."""
