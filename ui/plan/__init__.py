"""The plan of action screens: the plan editor and the handouts dialog."""
