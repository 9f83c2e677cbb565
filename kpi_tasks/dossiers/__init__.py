"""Administrative-procedure dossiers (hồ sơ TTHC): import of the one-stop system's exports, late detection,
apology-letter obligations and form no. 04, repeat offenders, and the computed service KPIs.

models.py the tables; importing.py the streamed all-or-nothing import; services.py every state change
(obligations, letters, computed KPIs, the daily scan step); queries.py lists, late months and rates in SQL;
letters.py form no. 04 (HTML and .docx); background.py the page's import thread; views.py, api.py,
forms.py, commands.py the pages, /api/v1 endpoints, forms and `kpi-tasks import-dossiers`.
"""
