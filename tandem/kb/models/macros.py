"""Response templates (macros) and their usage."""
