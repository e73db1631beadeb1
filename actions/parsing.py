"""Pure readers of residents' free-text answers: masked tokens, household size, kinds of difficulty, case numbers."""
from __future__ import annotations

import re
import unicodedata

# Masked tokens as conversation.vault writes them: first four, stars, last four (ID); 138****5678 (mobile).
ID_TOKEN = re.compile(r"(?<![0-9*])\d{4}\*{7,10}[0-9Xx]{4}(?![0-9*])")
PHONE_TOKEN = re.compile(r"(?<![0-9*])1[3-9]\d\*{4}\d{4}(?![0-9*])")
CLEAR_ID = re.compile(r"(?<![0-9A-Za-z*])\d{14,17}[0-9Xx](?![0-9A-Za-z*])")
CLEAR_MOBILE = re.compile(r"(?<![0-9*])(?:\+?86)?1[3-9]\d{9}(?![0-9*])")
_ID_LIKE_RUN = re.compile(r"[0-9Xx]*\d[0-9Xx]*")
_CASE_NUMBER = re.compile(r"(?:JSJ)?[-_—－\s]*(?<!\d)(\d{8})[-_—－\s]*(\d{4})(?!\d)")

DIFFICULTY_KINDS = ("医疗", "教育", "住房", "就业", "受灾", "生活", "残疾", "其他")
# First match wins: 住院 is 医疗 before 住 is 住房; 残疾 before 医疗.
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("残疾", ("残疾", "残障", "瘫", "失能", "聋", "盲", "智力障碍", "精神障碍")),
    ("医疗", ("病", "医", "住院", "手术", "药", "癌", "治疗", "化疗", "透析", "就诊")),
    ("教育", ("上学", "学费", "读书", "学校", "教育", "大学", "高中", "辍学", "生活费上学")),
    ("受灾", ("灾", "火", "洪", "水淹", "地震", "冰雹", "台风", "暴雨", "倒塌", "塌了")),
    ("住房", ("房", "住", "租", "无家可归", "没地方住")),
    ("就业", ("工作", "失业", "就业", "下岗", "找活", "工资", "打工", "没活干")),
    ("生活", ("生活", "吃饭", "低保", "没钱", "收入", "吃不上", "揭不开锅", "特困", "养老", "过日子", "日子难", "吃穿",
             "紧巴", "穷")),
    ("其他", ("其他", "其它", "别的", "不好说")),
)
_OTHER_WORDS = ("替", "代", "帮他", "帮她", "家人", "别人", "他人", "亲戚", "邻居", "父亲", "母亲", "爸", "妈", "爹", "娘",
                "爷", "奶", "姥", "外公", "外婆", "孩子", "儿子", "女儿", "闺女", "孙", "老伴", "丈夫", "妻子", "媳妇",
                "男人", "爱人", "对象", "老公", "婆婆", "公公", "岳父", "岳母", "丈母娘", "老丈人", "哥", "姐", "弟",
                "妹", "叔", "婶", "舅", "姨", "姑", "朋友", "同事", "老人", "other")
_SELF_WORDS = ("本人", "自己", "自个", "我", "俺", "self")
_STRONG_SELF_WORDS = ("本人", "自己", "自个")
_NAME_LEAD = re.compile(r"^(?:(?:我|他|她|俺|申请人|本人|老人|孩子)(?:的)?)?(?:名字|姓名)?(?:叫|是|为)?[:：\s]*")
_NAME_TAIL = re.compile(r"[。.！!，,、~～\s吧呀啊呢哈]+$")

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
_NUM = r"(\d{1,3}|[零一二两俩三四五六七八九十]{1,3})"
_PEOPLE = re.compile(_NUM + r"\s*(?:口|个人|人|位)")
_COUNTED = re.compile(_NUM + r"\s*个")
_ALONE = ("就我一个", "就俺一个", "我一个", "一个人", "独居", "自己住", "自己一个", "孤身", "单身", "光棍", "孤寡",
          "就我自己", "就俺自己", "俺自个", "就我自个", "就俺自个")
# A household listed member by member: "俺、俺对象、俩老人，还有个闺女" → 5; "俺两口子加俩娃" → 4.
_MEMBER_SPLIT = re.compile(r"[、，,。；;\s]+|和|跟|加上|加|还有|带着|带|与|以及")
_MEMBERS = ("俺", "我", "对象", "老伴", "媳妇", "老婆", "男人", "丈夫", "老公", "爱人", "闺女", "女儿", "儿子", "儿媳",
            "孙子", "孙女", "外孙", "孩子", "娃", "小孩", "爹", "娘", "爸", "妈", "公公", "婆婆", "爷爷", "奶奶", "姥姥",
            "姥爷", "老人", "老头", "老太", "老婆子", "丫头", "小子", "哥", "姐", "弟", "妹", "岳父", "岳母", "丈母娘",
            "儿", "女")
_GROUP = re.compile(r"(两口子|俩口子|老两口|小两口|(?:[俩两仨二三四五六七八九]|\d)个?(?:老人|孩子|娃|小孩|闺女|儿子|孙子|孙女|老的|小的|人))")


# yes/no in words, for the consent and confirmation questions: whole short answers, or telling phrases.
_YES_EXACT = {"好", "行", "是", "对", "嗯", "中", "妥", "管", "ok", "yes", "好啊", "好吧", "行吧", "是的", "对的", "嗯嗯", "可以",
              "中中", "是哩", "对对", "嗯呐", "好嘞", "好滴", "行啊", "中啊",
              "同一", "同易", "童意", "铜意"}        # 同意 as pinyin input mistypes it
_NO_EXACT = {"不", "否", "no", "没", "没有", "不是", "不好"}
_YES_PHRASES = ("同意", "愿意", "可以", "好的", "没问题", "没有问题", "确认", "没错", "正确", "提交", "就这样", "没毛病",
                "交了吧", "交吧", "乐意", "答应", "做主")
# "对，提交", "中中中", "行 交了吧": a short answer that starts with a yes (and asks nothing).
_YES_START = ("对", "是", "嗯", "好", "行", "中", "管", "妥")
_NO_PHRASES = ("不同意", "不愿意", "不乐意", "不答应", "没答应", "做不了主", "不想", "不要", "不行", "不可以", "不用", "拒绝",
               "还没", "没同意", "有误", "不对",
               "错了", "有错", "要改", "修改", "算了")


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC) and trimmed."""
    return unicodedata.normalize("NFKC", text or "").strip()


def is_payload(text: str) -> bool:
    """A button payload such as /affirm, never an answer in words."""
    return normalise(text).startswith("/")


def words(value: object) -> str:
    """A slot value as the resident's words: '' for a button payload or anything that is not text."""
    return value.strip() if isinstance(value, str) and not is_payload(value) else ""


def yes_no(text: str) -> bool | None:
    """'同意'/'行'/'没问题' → True, '不同意'/'有误要改'/'还没有' → False; None when neither ('你好')."""
    t = re.sub(r"[。.!！，,~～\s]", "", normalise(text).lower())
    if t in _YES_EXACT:
        return True
    if t in _NO_EXACT or any(p in t for p in _NO_PHRASES):
        return False
    if any(p in t for p in _YES_PHRASES):
        return True
    if len(t) <= 8 and t.startswith(_YES_START) and not any(q in t for q in ("吗", "?", "？", "不是", "是不是", "么")):
        return True
    return None


_WITHDRAW = re.compile(r"不(想|要|用|再)?申请了|不申请|先别(交|提交|申请|报|弄)|别(交|提交)了|不(交|提交|办|弄|报)了|"
                       r"撤回|取消申请|算了吧|再商量|商量商量|回头再(说|申请|弄)")


def withdraws(text: str) -> bool:
    """'先别交了，俺不申请了，俺再跟孩子们商量商量' → True: at the read-back, the resident withdraws the application."""
    return bool(_WITHDRAW.search(normalise(text)))


def find_id_token(text: str) -> str | None:
    m = ID_TOKEN.search(normalise(text))
    return m.group() if m else None


def find_phone_token(text: str) -> str | None:
    m = PHONE_TOKEN.search(normalise(text))
    return m.group() if m else None


def compact(text: str) -> str:
    """Without spaces and dashes, so that '370811 19900101 1236' reads as one number."""
    return re.sub(r"[\s\-—－]", "", normalise(text))


def longest_number(text: str) -> str | None:
    """The longest run of digits (and X) in the text, for an error message about its length."""
    runs = _ID_LIKE_RUN.findall(compact(text))
    return max(runs, key=len) if runs else None


def cn_number(word: str) -> int | None:
    """'4' → 4, '四' → 4, '十二' → 12, '二十' → 20; None when it is not a number."""
    if word.isdigit():
        return int(word)
    if "十" in word:
        tens, _, ones = word.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        t = _CN_DIGITS.get(tens, 1) if tens else 1
        o = _CN_DIGITS.get(ones, 0) if ones else 0
        return None if (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS) else t * 10 + o
    return _CN_DIGITS.get(word) if len(word) == 1 else None


def _group_size(group: str) -> int:
    if "口子" in group:
        return 2
    head = group[0]
    return {"俩": 2, "两": 2, "仨": 3}.get(head) or cn_number(head) or (int(head) if head.isdigit() else 1)


_TOTAL_AT_END = re.compile(r"(俩|两|仨|[二三四五六七八九十]|\d{1,2})个?人(?:过日子|过|住|生活|在家)?[。.!！]?$"
                           r"|(?:娘|爷|哥|姐|兄弟|姐妹)(俩|仨)|^(?:俺|咱|我|俺们|咱们|我们)(俩|仨)[。.!！]?$")


def listed_members(text: str) -> int | None:
    """The household counted from a list of its members; None when the text is not such a list."""
    total = _TOTAL_AT_END.search(text)
    if total:                               # "俺跟娃俩人", "俺娘俩": the total said at the end
        word = total.group(1) or total.group(2) or total.group(3)
        return {"俩": 2, "两": 2, "仨": 3}.get(word) or cn_number(word)
    count, parts = 0, [p for p in _MEMBER_SPLIT.split(text) if p]
    for part in parts:
        groups = _GROUP.findall(part)
        if groups:
            count += sum(_group_size(g) for g in groups)
        elif any(w in part for w in _MEMBERS):
            count += 1
    return count if count >= 2 and (len(parts) >= 2 or _GROUP.search(text)) else None


def household_size(text: str) -> int | None:
    """'四口人' → 4, '3个人' → 3, '就俺一个' → 1, '5' → 5, '俺两口子加俩娃' → 4; None when no count is found."""
    t = normalise(text)
    said_first = re.match(r"^(?:一共|总共|共|俺家|我家|家里)?(仨|俩|两|\d{1,2}|[一二三四五六七八九十]{1,3})(?:口(?!子)人?|个人|人)", t)
    if said_first:                          # '仨人 俺 俺闺女 俺婆婆': the total first, then who they are
        value = {"俩": 2, "两": 2, "仨": 3}.get(said_first.group(1)) or cn_number(said_first.group(1))
        if value:
            return value
    if not re.search(r"\d+\s*口人|[一二两三四五六七八九十]+口人", t):
        members = listed_members(t)
        if members is not None:
            return members
    for pattern in (_PEOPLE, _COUNTED):
        for m in pattern.finditer(t):
            value = cn_number(m.group(1))
            if value is not None:
                return value
    if any(word in t for word in _ALONE):
        return 1
    bare = re.sub(r"[。.!！，,\s]|一共|总共|共|家里|我家|俺家|有", "", t)
    return cn_number(bare) if bare else None


def difficulty_kind(text: str, strict: bool = False) -> str | None:
    """One of DIFFICULTY_KINDS for a button value or free text ('看病没钱' → 医疗); None when unclear. A kind named
    in so many words wins ("生活困难，交房租都难" → 生活); `strict` ignores one-character keywords (住, 房, 病 …),
    for guessing from a whole story rather than from an answer to the question."""
    t = normalise(text)
    if t in DIFFICULTY_KINDS:
        return t
    named = [(t.find(k), k) for k in DIFFICULTY_KINDS if k in t and k != "其他"]
    if named:
        return min(named)[1]
    for kind, words in _KIND_WORDS:
        if any(w in t for w in words if not strict or len(w) > 1):
            return kind
    return None


def applies_for(text: str) -> str | None:
    """'self' or 'other' from 本人申请 / 替我妈申请 / 帮我申请 …; None when unclear."""
    t = normalise(text).replace("帮我", "我").replace("给我", "我").replace("为我", "我")
    if t in ("self", "other"):
        return t
    first = min((t.find(w) for w in _OTHER_WORDS if w in t), default=None)
    own = min((t.find(w) for w in _STRONG_SELF_WORDS if w in t), default=None)
    if own is not None and (first is None or own < first):
        return "self"                        # '俺自己申请，俺是孩子他爹': said first, for oneself
    if first is not None:
        return "other"
    if any(w in t for w in _SELF_WORDS):
        return "self"
    return None


def clean_name(text: str) -> str:
    """'我叫张三。' → '张三'; '姓名：李四' → '李四'."""
    t = _NAME_LEAD.sub("", normalise(text), count=1)
    return _NAME_TAIL.sub("", t)


_NOT_A_NAME = ("申请", "救助", "怎么", "什么", "为啥", "吗", "?", "？", "不知道", "我要", "低保", "谢谢", "你好", "转人工")


def looks_like_name(text: str) -> bool:
    """Short, and not a question or a request said where the name was asked (digits are parse_name's job)."""
    return 0 < len(text) <= 20 and not any(w in text for w in _NOT_A_NAME)


def case_number(text: str) -> str | None:
    """'jsj-20250303-0001', 'JSJ 20250303 0001', '20250303-0001' → 'JSJ-20250303-0001'."""
    m = _CASE_NUMBER.search(normalise(text).upper())
    return f"JSJ-{m.group(1)}-{m.group(2)}" if m else None


def phone_last4(text: str) -> str | None:
    """The last four digits of a phone: from '5678', '尾号5678', a masked 138****5678 or a full mobile."""
    t = normalise(text)
    token = PHONE_TOKEN.search(t)
    if token:
        return token.group()[-4:]
    runs = re.findall(r"\d+", compact(t))
    if len(runs) == 1 and len(runs[0]) in (4, 11):
        return runs[0][-4:]
    return None
