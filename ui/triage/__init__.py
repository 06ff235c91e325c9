"""The triage area of the desktop program: the triage wizard (``ui.triage.wizard``)."""
