from __future__ import annotations

from flask_wtf.file import MultipleFileField

from kpi_tasks.forms import Form


class UploadForm(Form):
    files = MultipleFileField("Tệp đính kèm")
