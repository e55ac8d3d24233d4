// Workspace behaviour: keyboard shortcuts and live refresh. No inline scripts (CSP).
