"""Analyses read at a glance: 20/80 Pareto, RFM, dormant clients, data quality."""
