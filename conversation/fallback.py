"""What the gateway says by itself when Rasa is down: policy answers from the knowledge base, safety first."""
from __future__ import annotations

from conversation.rasa_client import BotReply
from policies_kb.answering import answer_question
from policies_kb.retriever import Retriever
from triage import Assessment

APPLY_BY_PHONE = ("在线申请暂时不可用。如需申请救助，请拨打12345政务服务热线，或到户籍所在地乡镇（街道）"
                  "便民服务中心社会救助窗口办理，您刚才的留言我们已经记录。")
EMERGENCY_BY_PHONE = ("情况紧急：请立即拨打12345政务服务热线说明情况，工作人员会按“2小时内先行救助”的要求处理；"
                      "有生命危险请先拨打120（急救）、110（报警）或119（火警）。")


def fallback_replies(text: str, assessment: Assessment, retriever: Retriever, threshold: float) -> list[BotReply]:
    if assessment.urgency.value == "emergency":
        return [BotReply(line) for line in (*assessment.safety, EMERGENCY_BY_PHONE)]
    reply = answer_question(text, retriever, threshold)
    return [BotReply(reply.answer), BotReply(APPLY_BY_PHONE)]
