"""The Figures screen: charts and tables of the figures for the Stuurgroep."""
