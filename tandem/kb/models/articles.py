"""Categories, sections, articles, their versions, votes and views."""
