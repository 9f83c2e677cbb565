"""Emulation scoring (thi đua): the Interior department grades each unit from its task results.

rules.py the settings of a year's rule and the grade table; queries.py the computation in SQL
aggregates; sources.py the optional data of other areas (KPIs, dossiers); services.py every state
change (rules, publication, objections); views.py, api.py, excel.py the ways out.
"""
