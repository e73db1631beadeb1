"""The `kb check` report: entries per department and topic, and the entries still unverified."""
from __future__ import annotations

from collections import Counter

from jishijiu.departments import all_departments
from policies_kb.loader import KnowledgeBase


def coverage_report(kb: KnowledgeBase) -> str:
    by_department = Counter(d for e in kb.entries for d in e.departments)
    by_topic = Counter(kb.topic_of[e.id] for e in kb.entries)
    unverified = [e for e in kb.entries if not e.verified]
    lines = [f"knowledge base OK: {len(kb.entries)} entries, "
             f"{sum(len(e.questions) for e in kb.entries)} question variants", "", "per department:"]
    for dept in all_departments():
        count = by_department.get(dept.name, 0)
        lines.append(f"  {dept.name:<4} {count:>4}" + ("   ← no entries" if count == 0 else ""))
    lines += ["", "per topic:"]
    lines += [f"  {topic}: {count}" for topic, count in sorted(by_topic.items(), key=lambda kv: -kv[1])]
    lines += ["", f"verified: false ({len(unverified)}) — confirm against the original before publishing:"]
    lines += [f"  {e.id} ({kb.file_of[e.id]}): {e.title}" for e in unverified]
    return "\n".join(lines)
