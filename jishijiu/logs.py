"""Logging set-up; every record passes through the personal-data mask before it is written: its message, its
extra fields, and the traceback of an exception (whose message may quote what a resident typed)."""
from __future__ import annotations

import logging

from nlu.masking import mask_personal_data

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class MaskPersonalData(logging.Filter):
    """Masks the message and every extra field of a record (for any handler it is attached to)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_personal_data(record.getMessage())
        record.args = None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD and isinstance(value, str):
                setattr(record, name, mask_personal_data(value))
        return True


class MaskingFormatter(logging.Formatter):
    """The whole written line, traceback and stack included, goes through the mask last."""

    def format(self, record: logging.LogRecord) -> str:
        return mask_personal_data(super().format(record))


def configure(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskPersonalData())
    handler.setFormatter(MaskingFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
