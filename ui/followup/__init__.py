"""The follow-up screen: open actions across all cases, with progress updates."""
