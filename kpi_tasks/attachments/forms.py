from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField


class UploadForm(FlaskForm):
    files = MultipleFileField("Tệp đính kèm")
