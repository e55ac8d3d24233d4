"""HTTP for the people app: contact and organization pages, and the agents and teams settings."""
