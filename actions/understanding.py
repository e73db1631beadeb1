"""Everything one resident message says for the forms: several answers at once, corrections, the opening's story.

Pure: the message (already masked by the gateway), the divisions and what the form is asking go in; the values
found come out. Which of them may overwrite a slot is the form's decision (see actions/form_filling.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from actions import parsing
from actions.places import AmbiguousPlace, resolve_place
from cases.divisions import Divisions
from cases.errors import UnknownDivision
from nlu.normalise import chinese_characters

# "电话写错了，是…", "不对，是邹城的", "名字打错了": the resident changes an answer already given.
_CORRECTION = re.compile(r"写错|说错|打错|填错|搞错|弄错|输错|不对|错了|更正|改一下|改成|改为|应该是|重新说")
# Answers that say nothing about a situation: asked for the hardship, the resident typed "确认" or "好的".
THIN_ANSWERS = frozenset({
    "确认", "确定", "好", "好的", "好滴", "好吧", "行", "行吧", "中", "嗯", "嗯嗯", "恩", "哦", "噢", "啊", "是", "是的",
    "对", "对的", "同意", "可以", "没问题", "ok", "yes", "no", "有", "没有", "不知道", "不清楚", "知道了", "收到",
    "谢谢", "你好", "您好", "在吗", "在", "喂", "申请", "救助", "申请救助", "我要申请", "我想申请", "求助", "帮忙",
    "帮帮我", "困难", "有困难", "继续", "下一步", "开始",
})
_ONLY_SYMBOLS = re.compile(r"^[\W\d_xX*]*$")

# The request itself, stripped from an opening message before asking whether a story is left.
_REQUEST_WORDS = re.compile(
    r"(?:我|俺|咱)?(?:想|要|想要|需要|能不能|可以|能|请|麻烦)?(?:帮|给|替|为)?(?:我|俺)?(?:们)?(?:家)?"
    r"(?:申请|办理|办|要)(?:一下|个|一个)?(?:临时)?(?:救助|救济|补助|帮扶|低保|帮助)?"
    r"|求助|求求你们|帮帮(?:我|俺|忙)?|救救(?:我|俺)|怎么办|咋办|咋整|咋弄|怎么弄|你好|您好|在吗")
# Answers to the form's questions inside an opening are not the story ("我叫李秀英，身份证…，电话…").
_ANSWER_WORDS = re.compile(r"(?:我|俺)?(?:叫|名叫|姓名是?|名字是?)[\u4e00-\u9fff]{0,4}|身份证号?码?|电话号?码?|手机号?码?|"
                           r"号码|尾号|家住|住在|[\u4e00-\u9fff]{0,5}?(?:市|县|区|镇|乡|街道|村|社区|小区)|是|的")
_WHO_WORDS = re.compile(r"(?:替|帮|给|为)(?:我|俺)?(?:的|家)?[\u4e00-\u9fff]{0,3}?(?=申请|办)")
_STORY_MIN_CJK = 6

_NAME_STOP = ("身份", "电话", "手机", "号码", "家里", "家住", "住在", "住", "在", "今年", "是", "的", "我", "俺",
              "申请", "现在", "身", "电", "手", "号", "岁", "户口")
_NAME_SAID = re.compile(r"(?:我|俺|他|她|申请人|老人|病人|孩子)?(?:的)?(?:名字|姓名|名)?(?:叫做|名叫|叫)(?![俺我他她咱你恁人])[:：\s]*"
                        r"([\u4e00-\u9fff·]{2,6})"
                        r"|(?:名字|姓名)(?:是|为|[:：])\s*([\u4e00-\u9fff·]{2,6})")
_NAME_CORRECTED = re.compile(r"(?:名字|姓名|名)[^，,。；;]*?(?:错|不对)[^，,。；;]*?[，,。；;\s]*"
                             r"(?:不是[\u4e00-\u9fff·]{1,4}[，,。；;\s]*)?"        # '不是秀莲，是李秀兰'
                             r"(?:应该)?(?:是|叫|为)?[:：\s]*([\u4e00-\u9fff·]{2,6})")
_ID_MENTION = re.compile(r"身份证|证件号|身份号")

_HOUSEHOLD = re.compile(r"(?:家里?|家中|屋里|一共|总共|共|全家)[^，,。；;]{0,4}?"
                        r"(\d{1,2}|[一二两俩三四五六七八九十]{1,3})\s*(?:口人|口|个人|人)"
                        r"|(\d{1,2}|[一二两俩三四五六七八九十]{1,3})\s*口人")
_ALONE = re.compile(r"就(?:我|俺|他|她)(?:自己)?一个|(?:我|俺|他|她)一个人(?:住|过|生活)|独居|一个人住|孤身一人|孤寡")

_OTHER = re.compile(r"(?:替|帮|给|为)(?:我|俺)?(?:的|家)?(?:爹|娘|爸|妈|父亲|母亲|爷爷|奶奶|姥姥|姥爷|外公|外婆|老人|"
                    r"孩子|儿子|闺女|女儿|孙子|孙女|老伴|丈夫|老公|妻子|媳妇|男人|爱人|对象|婆婆|公公|岳父|岳母|丈母娘|"
                    r"老丈人|邻居|哥|姐|弟|妹|亲戚|朋友|同事|舅|叔|伯|婶|姑|姨|他|她|别人|家里人|家人)")
_SELF = re.compile(r"(?:我|俺)(?:自己|本人)(?:申请|办)|本人申请|给(?:我|俺)自己|为(?:我|俺)自己|(?:我|俺)自己的事")

_PLACE_WORDS = re.compile(r"村|镇|乡|街道|社区|小区|路|街|县|区|市|桥|门口|旁边|附近|这边|那边|家里|家中|医院|屯|庄|楼|号院")


_QUESTION = re.compile(r"吗|呢|么|[？?]|怎么|怎样|咋|如何|多少|哪|什么|啥|能不能|可不可以|是不是|有没有|几|为何|为什么|要不要")


def is_question(text: str) -> bool:
    """'低保一个月能领多少钱？' yes; '娃上学的事' no (an answer the NLU may take for a policy question)."""
    return bool(_QUESTION.search(parsing.normalise(text)))


_ASKS_FOR_PERSON = re.compile(r"真人|人工|工作人员|客服|活人|找个人|找人说|跟人说|打电话说")


def wants_a_person(text: str) -> bool:
    """'恁给俺找个真人说话中不' yes; '俺跟娃俩人' no (the NLU may read both as a request for a person)."""
    return bool(_ASKS_FOR_PERSON.search(parsing.normalise(text)))


@dataclass(frozen=True)
class Understood:
    """What one message says. None: not said. `place_problem` is the Chinese reason a named place was unclear."""

    text: str
    correction: bool = False
    situation: str | None = None
    applies_for: str | None = None
    applicant_name: str | None = None
    id_token: str | None = None
    phone_token: str | None = None
    division_code: str | None = None
    place_problem: str | None = None
    place_words: str | None = None          # the message when it talks about a place (for the emergency form)
    household_size: int | None = None
    difficulty_kind: str | None = None
    clear_id_like: bool = False             # an unmasked ID-like number slipped through (spaces, dots)


def is_thin(text: str) -> bool:
    """'确认', '好的', '嗯', '同意', a lone number: not a description of a hardship."""
    t = re.sub(r"[\s。.!！，,~～?？、…]+", "", parsing.normalise(text).lower())
    if not t or t in THIN_ANSWERS or _ONLY_SYMBOLS.match(t):
        return True
    return chinese_characters(t) < 3


def tells_a_story(text: str) -> bool:
    """An opening that says what happened, beyond "我想申请救助" and who it is for."""
    t = parsing.normalise(text)
    t = parsing.ID_TOKEN.sub("", parsing.PHONE_TOKEN.sub("", t))
    t = _ANSWER_WORDS.sub("", _REQUEST_WORDS.sub("", _WHO_WORDS.sub("", t)))
    return chinese_characters(t) >= _STORY_MIN_CJK


_NAME_PIECES = re.compile(r"[，,。；;\s\d*]+|身份|电话|手机")
# a nickname, a surname alone or a relative said where the name was asked: '老刘', '姓韩', '俺爹'
_NOT_A_FULL_NAME = re.compile(r"^(?:老|小|阿)[\u4e00-\u9fff]$|^姓|爹|娘|爸|妈|儿子|闺女|女儿|孩子|老伴|爷爷|奶奶|姥|俺|我")


def _trim_name(raw: str) -> str | None:
    name = raw
    for stop in _NAME_STOP:
        at = name.find(stop, 1)
        if at > 0:
            name = name[:at]
    return name if 2 <= len(name) <= 4 else None


# A name explained character by character: "吕志刚，双口吕，志气的志，刚强的刚" (voice input often has no commas).
_NAME_EXPLAINED = re.compile(r"^([\u4e00-\u9fff]{2,3}?)[，,\s]*(?=双口|弓长|木子|立早|耳东|口天|古月|言午|草头|三点水|"
                             r"[\u4e00-\u9fff]{1,3}的[\u4e00-\u9fff])")


def find_name(text: str, *, asked: bool = False) -> str | None:
    """'我叫李秀英，身份证…' → '李秀英'; '名字写错了，是王秀兰' → '王秀兰'. None when no name is said."""
    t = parsing.normalise(text)
    m = _NAME_CORRECTED.search(t)
    if m and (name := _trim_name(m.group(1))):
        return name
    if asked and (m := _NAME_EXPLAINED.match(parsing.clean_name(t))):
        return m.group(1)
    m = _NAME_SAID.search(t)
    if m and (name := _trim_name(m.group(1) or m.group(2))):
        return name
    if asked:               # answering "姓名": the first piece that is a full name ('俺是老刘，刘长河' → '刘长河')
        pieces = [p for p in _NAME_PIECES.split(parsing.clean_name(t)) if p]
        names = [n for p in pieces if (n := _trim_name(parsing.clean_name(p)))]
        full = [n for n in names if not _NOT_A_FULL_NAME.search(n)]
        return (full or names or [None])[0]
    return None


def household(text: str) -> int | None:
    """'俺家五口人' → 5, '就我一个' → 1; a count said explicitly as a household, else None."""
    t = parsing.normalise(text)
    m = _HOUSEHOLD.search(t)
    if m:
        return parsing.cn_number(m.group(1) or m.group(2))
    return 1 if _ALONE.search(t) else None


def applies_for(text: str) -> str | None:
    """'替俺娘申请' → other; '我自己申请' → self; None unless said explicitly."""
    t = parsing.normalise(text)
    if _SELF.search(t):
        return "self"
    return "other" if _OTHER.search(t) else None


def _place(divisions: Divisions, text: str) -> tuple[str | None, str | None]:
    try:
        return resolve_place(divisions, text).code, None
    except AmbiguousPlace as exc:
        return None, exc.message_zh
    except UnknownDivision:
        return None, None


def understand(text: str, divisions: Divisions, *, requested_slot: str | None = None,
               opening: bool = False) -> Understood:
    """Every form value this message says. `opening`: the message that started the form (its story counts)."""
    t = parsing.normalise(text)
    found: dict[str, object] = {}
    if opening and not is_thin(t) and tells_a_story(t):
        found["situation"] = text.strip()
    who = applies_for(t)
    if who:
        found["applies_for"] = who
    name = find_name(t, asked=requested_slot == "applicant_name")
    if name:
        found["applicant_name"] = name
    id_token = parsing.find_id_token(t)
    if id_token:
        found["id_token"] = id_token
    phone_token = parsing.find_phone_token(t)
    if phone_token:
        found["phone_token"] = phone_token
    code, problem = _place(divisions, t)
    if code:
        found["division_code"] = code
    if problem:
        found["place_problem"] = problem
    if code or problem or _PLACE_WORDS.search(parsing.PHONE_TOKEN.sub("", parsing.ID_TOKEN.sub("", t))):
        found["place_words"] = text.strip()
    size = household(t)
    if size is not None:
        found["household_size"] = size
    if opening and "situation" in found:
        kind = parsing.difficulty_kind(t, strict=True)
        if kind and kind != "其他":
            found["difficulty_kind"] = kind
    clear_id_like = bool(parsing.CLEAR_ID.search(parsing.compact(t))) and not id_token
    return Understood(text=text, correction=bool(_CORRECTION.search(t)), clear_id_like=clear_id_like,
                      **found)  # type: ignore[arg-type]
