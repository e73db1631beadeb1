"""Logging set-up; every record passes through the personal-data mask before it is written."""
from __future__ import annotations

import logging

from nlu.masking import mask_personal_data


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_personal_data(record.getMessage())
        record.args = None
        return True


def configure(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(MaskPersonalData())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
