"""The closure wizard (afschaling): renders the steps of ``app.domain.closure``."""
