"""Logs carry no clear personal data: not in the message, not in extra fields, not in a traceback (issue 10)."""
from __future__ import annotations

import io
import logging

from jishijiu.logs import MaskingFormatter, MaskPersonalData

PHONE, ID = "13812345678", "370811199001011236"


def test_message_extras_and_traceback_are_masked() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(MaskPersonalData())
    handler.setFormatter(MaskingFormatter("%(levelname)s %(message)s %(who)s"))
    log = logging.getLogger("test-logs-masking")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise ValueError(f"cannot parse 身份证 {ID[:6]} {ID[6:]}")
        except ValueError:
            log.exception("turn failed for %s", f"电话 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}",
                          extra={"who": f"tel{PHONE}"})
    finally:
        log.removeHandler(handler)
    written = out.getvalue()
    assert "Traceback" in written and "ValueError" in written
    for secret in (PHONE, PHONE[3:7], ID[6:14]):
        assert secret not in written, written
    assert written.count("138****5678") == 2 and "3708**********1236" in written
