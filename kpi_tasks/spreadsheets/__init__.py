"""Spreadsheets in and out: the one reader of every import (reader.py) and the cell writer of every export
(cells.py)."""
