"""Clueflow's rule engine: packs, FEEL, decisions, calendars and the workflow runner.

Plain Python. It never imports Flask, SQLAlchemy or the web application; only this package
imports SpiffWorkflow.
"""
