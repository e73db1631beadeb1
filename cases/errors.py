"""Typed case-store errors, each with a Chinese and an English message (mapped to HTTP codes at the edge)."""
from __future__ import annotations


class CaseStoreError(Exception):
    """Base of the case store's errors; `code` is a stable machine-readable key."""

    code = "case_error"

    def __init__(self, message_zh: str, message_en: str) -> None:
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")


class InvalidInput(CaseStoreError, ValueError):
    """Input that cannot be stored as given (422 at the edge)."""

    code = "invalid_input"


class InvalidIdNumber(InvalidInput):
    code = "invalid_id_number"

    def __init__(self, reason: str, message_zh: str, message_en: str) -> None:
        self.reason = reason          # length | format | birth_date | check_digit
        super().__init__(message_zh, message_en)


class InvalidPhone(InvalidInput):
    code = "invalid_phone"


class InvalidName(InvalidInput):
    code = "invalid_name"


class UnknownDivision(InvalidInput):
    code = "unknown_division"


class UnknownDepartment(InvalidInput):
    code = "unknown_department"


class CaseNotFound(CaseStoreError, LookupError):
    code = "case_not_found"

    def __init__(self, case_number: str) -> None:
        self.case_number = case_number
        super().__init__(f"未找到案件 {case_number}", f"case not found: {case_number}")


class IllegalTransition(CaseStoreError):
    """A state change the lifecycle does not allow (409 at the edge)."""

    code = "illegal_transition"

    def __init__(self, before: str, after: str, what: str = "case") -> None:
        self.before, self.after = before, after
        super().__init__(f"不能从“{before}”变更为“{after}”", f"{what} cannot go from {before} to {after}")


class ReasonRequired(InvalidInput):
    code = "reason_required"

    def __init__(self) -> None:
        super().__init__("不予救助必须写明理由", "a rejection requires a reason")


class UndecryptableData(CaseStoreError):
    """Encrypted personal data that this key cannot open (wrong key or tampered bytes)."""

    code = "undecryptable"

    def __init__(self) -> None:
        super().__init__("个人信息无法解密：密钥不匹配或数据已损坏",
                         "personal data cannot be decrypted: wrong key or damaged data")
