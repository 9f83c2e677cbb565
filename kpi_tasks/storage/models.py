"""The tables of the database file store (storage.DatabaseStore): one row per file, its content in chunks."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpi_tasks.extensions import db

KEY_LENGTH = 200


class StoredFile(db.Model):
    """A file of the shared store: its key (the path it would have under UPLOAD_FOLDER), size and time written."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(sa.String(KEY_LENGTH), primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    modified_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), index=True)


class StoredFileChunk(db.Model):
    """One piece of a stored file (CHUNK_BYTES, the last one shorter), read back in `seq` order."""

    __tablename__ = "stored_file_chunks"

    key: Mapped[str] = mapped_column(sa.ForeignKey("stored_files.key", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
