"""转办单: the printable A4 referral of a case to one department (masked personal data only: paper leaves the
system). Wording in console/data/referral.yaml."""
from __future__ import annotations

from pathlib import Path

import yaml

from cases.identity import SHANGHAI
from cases.views import CaseDetail
from connectors.posters import cjk_pdf
from jishijiu.departments import by_id

WORDING = yaml.safe_load((Path(__file__).with_name("data") / "referral.yaml").read_text(encoding="utf-8"))
SITUATION_CHARS = 600


def referral_pdf(case: CaseDetail, department_id: str) -> bytes:
    say, f = WORDING, WORDING["fields"]
    referral = next((r for r in case.referrals if r.department_id == department_id), None)
    department = by_id().get(department_id)
    pdf = cjk_pdf()
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin
    pdf.set_font("cjk", "B", 22)
    pdf.cell(width, 14, say["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", "", 11)
    pdf.cell(width, 8, say["subtitle"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    def row(label: str, value: str) -> None:
        pdf.set_font("cjk", "B", 12)
        pdf.cell(32, 9, label, border=1)
        pdf.set_font("cjk", "", 12)
        pdf.multi_cell(width - 32, 9, value or "—", border=1, new_x="LMARGIN", new_y="NEXT")

    local = (lambda t: t.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"))  # noqa: E731
    row(f["case_number"], case.case_number)
    row(f["urgency"], say["urgency"][case.urgency.value])
    row(f["department"], department.full_name if department else department_id)
    row(f["issued_at"], local(referral.issued_at) if referral else "—")
    row(f["location"], case.location)
    row(f["applicant"], case.applicant)
    row(f["phone"], case.phone or "—")
    row(f["reasons"], "；".join(case.reasons))
    row(f["assistance"], "、".join(case.assistance))
    row(f["deadlines"], "\n".join(f"{say['deadline_rules'].get(d.rule, d.rule)}：{local(d.due_at)}前"
                                  for d in case.deadlines))
    row(f["situation"], case.situation[:SITUATION_CHARS])
    pdf.ln(10)
    pdf.set_font("cjk", "", 12)
    pdf.multi_cell(width, 9, say["signature"], new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("cjk", "", 10)
    pdf.multi_cell(width, 7, say["feedback"], new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
