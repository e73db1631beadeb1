"""Benchmark of the WeChat Official Account door (POST /wechat): N simulated WeChat users at once, each filing a whole
application, from "我要申请救助" to the reply with its case number (JSJ-YYYYMMDD-NNNN).

Trains the bot if its data changed, starts Rasa and the gateway on free loopback ports (tests/conversation/live.py:
the tests' Redis db, a private PostgreSQL schema of the `test` database dropped at exit, a fresh secret key), with
WeChat configured against a local fake of WeChat's API server (tests/connectors/fake_wechat.py: access_token and
customer-service messages). Each user has its own openid and sends signed plain-mode text messages exactly as WeChat
does (unique MsgId each); it reads every reply and answers what the bot asks (RULES: words of the question → the
answer; numbered choices answered by number for even users, by words for odd ones), at most --max-turns turns.
A turn answered "success" (the door's 5-second rule, JISHIJIU_WECHAT_REPLY_WITHIN, 4.5 s by default) waits for the
answer's customer-service message at the fake. Bounded by --timeout for the whole run. Writes docs/benchmarks.md.
Usage: .venv/bin/python bench/wechat_bench.py [--users 20] [--max-turns 30] [--timeout 600]
       .venv/bin/python bench/wechat_bench.py --users 1 --no-write --verbose     # watch one conversation
(`--reply-within S`: the door's JISHIJIU_WECHAT_REPLY_WITHIN; `--model`: bench that model instead of the current one;
`--no-write`: print the table only; runs with --model, --reply-within or other than 20 users print only too.)
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from wechatpy import parse_message

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import percentile, write_section  # noqa: E402

from jishijiu.settings import load_settings  # noqa: E402
from tests.cases.fixtures import TEST_DIVISIONS, id_number, prepared_database_url, secret_text  # noqa: E402
from tests.connectors.fake_wechat import FakeWeChat  # noqa: E402
from tests.conversation.live import start_stack, train_model  # noqa: E402

TOKEN = "jishijiuBench2026"
HEADING = "WeChat door: whole applications (POST /wechat)"
CASE_NUMBER = re.compile(r"JSJ-\d{8}-\d{4,}")
FILED = ("申请已提交", "申请信息已补充到紧急求助")        # a case number in a reply that says the application is in
CHOICE = re.compile(r"^\s*(\d{1,2})\.\s*(.+?)\s*$", re.M)
WECHAT_LIMIT_S = 5.0
START = "我要申请救助"

# ---- the residents ------------------------------------------------------------------------------------------------
NAMES = ["王秀兰", "李建国", "张桂英", "刘德胜", "陈玉梅", "杨志强", "赵春梅", "黄宝山", "周凤琴", "吴海燕",
         "徐长林", "孙玉兰", "胡德明", "朱秀云", "高建华", "林淑芬", "何国庆", "郭翠兰", "马永福", "罗桂芝"]
# (what the resident says, the county code the ID number is issued in)
PLACES = [("任城区长沟镇", "370811"), ("兖州区新驿镇", "370812"), ("邹城市太平镇", "370883"), ("曲阜市尼山镇", "370881"),
          ("微山县南阳镇", "370826"), ("任城区", "370811"), ("嘉祥县", "370829"), ("汶上县", "370830"),
          ("梁山县", "370832"), ("泗水县", "370831"), ("金乡县", "370828"), ("鱼台县", "370827")]
# (the situation in the resident's words, the difficulty choice's title, the words a resident would use instead)
TROUBLES = [("老伴住院做了手术，花了三万多，家里实在拿不出钱了", "看病就医", "看病"),
            ("我一个人带俩孩子，打零工一个月一千多，吃饭交房租都难", "基本生活", "生活困难"),
            ("孩子考上大学了，学费住宿费五千多凑不齐，家里就我一个人挣钱", "孩子上学", "孩子上学"),
            ("厂子倒闭了，我失业大半年了，一直没找到活，家里没有收入", "失业就业", "失业了"),
            ("孩子是智力残疾，离不开人照顾，我没法出去干活，家里没收入", "残疾", "残疾"),
            ("俺爹得了尿毒症，一个礼拜透析三回，钱都花光了还借了不少", "看病就医", "看病")]


@dataclass
class Resident:
    index: int
    openid: str
    name: str
    id_number: str
    phone: str
    place: str
    household: str
    situation: str
    difficulty: tuple[str, str]          # (choice title, own words)

    @property
    def by_number(self) -> bool:
        return self.index % 2 == 0


def resident(index: int, run: str) -> Resident:
    place, county = PLACES[index % len(PLACES)]
    situation, title, words = TROUBLES[index % len(TROUBLES)]
    birth = f"19{60 + index % 35:02d}{1 + index % 12:02d}{1 + index % 28:02d}"
    return Resident(index=index, openid=f"obench{run}{index:03d}", name=NAMES[index % len(NAMES)],
                    id_number=id_number(birth=birth, region=county, seq=f"{100 + index:03d}"),
                    phone=f"138{12340000 + index * 7919:08d}", place=place,
                    household=f"{2 + index % 5}口人", situation=situation, difficulty=(title, words))


# ---- what the bot asks, and what the resident answers ----------------------------------------------------------------
# The rule whose words occur LAST in a reply wins (a reply may acknowledge one answer, then ask the next question).
RULES: list[tuple[str, tuple[str, ...]]] = [
    ("confirm", ("请核对申请信息", "确认提交")),
    ("consent", ("您同意吗", "需要您同意才能继续")),
    ("applies_for", ("为您本人申请，还是替别人", "是给自己申请，还是替别人", "没听明白是为谁申请")),
    ("on_behalf_consent", ("对方是否已经同意",)),
    ("name", ("申请人（需要救助的人）的姓名", "只需要申请人的姓名")),
    ("id_number", ("18位身份证号", "身份证号是18位", "没有看到身份证号码")),
    ("phone", ("能联系上的手机号", "11位手机号", "没有看到手机号", "现在能打通的手机号")),
    ("place", ("住在哪个县", "没对上地名", "没在济宁市的县", "住址还没对上", "现在在哪里", "请说一下位置",
               "哪个乡镇（街道）；说不清")),
    ("household", ("一共几口人", "一起生活的人数", "没听明白家里几口人", "家庭人口请说")),
    ("difficulty", ("哪方面的困难", "选一个最接近的", "没听明白是哪类困难")),
    ("situation", ("遇到了什么困难", "说说遇到的困难", "没听明白遇到的困难")),
    ("danger", ("有没有人有生命危险",)),
    ("again", ("刚才的号码我这边已经看不到了",)),           # the ID number or phone again (asked right after it)
    ("start", ("直接说遇到的事", "有什么需要帮忙", "重新开始")),
    ("handoff", ("已为您转人工",)),
]


def question(reply: str) -> str:
    best, where = "unmatched", -1
    for rule, words in RULES:
        for w in words:
            at = reply.rfind(w)
            if at > where:
                best, where = rule, at
    return best


def choose(reply: str, title: str, words: str, by_number: bool) -> str:
    """A numbered choice by its number (even users) or the words (odd users, or when no such choice is listed)."""
    if by_number:
        for number, shown in CHOICE.findall(reply):
            if shown == title:
                return number
    return words


def answer(rule: str, r: Resident, reply: str, last: str) -> str | None:
    match rule:
        case "confirm":
            return choose(reply, "确认提交", "确认提交", r.by_number)
        case "consent":
            return choose(reply, "同意", "同意", r.by_number)
        case "applies_for":
            return choose(reply, "本人申请", "给我自己申请", r.by_number)
        case "on_behalf_consent":
            return choose(reply, "对方已同意", "对方同意了", r.by_number)
        case "name":
            return r.name
        case "id_number":
            return r.id_number
        case "phone":
            return r.phone
        case "place":
            return r.place
        case "household":
            return r.household
        case "difficulty":
            return choose(reply, r.difficulty[0], r.difficulty[1], r.by_number)
        case "situation":
            return r.situation
        case "danger":
            return choose(reply, "没有生命危险", "没有", r.by_number)
        case "again":
            return last
        case "start" | "unmatched":
            return START
    return None                                    # handoff: a person takes over, the resident cannot go on here


# ---- WeChat's side ---------------------------------------------------------------------------------------------------
def signed_query() -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce}


def text_xml(openid: str, content: str, msg_id: int) -> bytes:
    return (f"<xml><ToUserName><![CDATA[gh_jishijiu]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>").encode()


@dataclass
class Turn:
    user: int
    asked: str              # what the bot had asked (the rule this turn answered)
    http_ms: float          # POST /wechat until WeChat has the HTTP answer (what WeChat's 5 s apply to)
    answered_ms: float      # until the resident has the answer (the XML reply, or the customer-service message)
    via: str                # "xml" | "success" | "lost" (success, and no customer-service message came) | "error"


@dataclass
class Outcome:
    turns: list[Turn] = field(default_factory=list)
    completed: dict[int, str] = field(default_factory=dict)       # user → case number
    stopped: dict[int, str] = field(default_factory=dict)         # user → why it did not complete
    asked: dict[int, list[str]] = field(default_factory=dict)     # user → the questions in order
    too_fast: int = 0


class Users:
    def __init__(self, url: str, fake: FakeWeChat, max_turns: int, verbose: bool) -> None:
        self.url, self.fake, self.max_turns, self.verbose = url, fake, max_turns, verbose
        self._msg_id = int(time.time() * 1000) * 1000
        self._taken: Counter[str] = Counter()      # openid → customer-service messages already read

    def next_msg_id(self) -> int:
        self._msg_id += 1
        return self._msg_id

    def _sent_to(self, openid: str) -> list[str]:
        return [m["text"]["content"] for m in list(self.fake.sent) if m.get("touser") == openid]

    async def _later(self, openid: str, wait: float = 60.0) -> tuple[str, float] | None:
        """The customer-service message(s) of a turn answered "success", and when the first arrived (perf_counter):
        the first, and any that follow within 0.5 s (a long answer comes in pieces of 2048 bytes)."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            pieces = self._sent_to(openid)[self._taken[openid]:]
            if pieces:
                arrived = time.perf_counter()
                while True:
                    await asyncio.sleep(0.5)
                    more = self._sent_to(openid)[self._taken[openid]:]
                    if len(more) == len(pieces):
                        break
                    pieces = more
                self._taken[openid] += len(pieces)
                return "\n".join(pieces), arrived
            await asyncio.sleep(0.02)
        return None

    async def say(self, client: httpx.AsyncClient, r: Resident, text: str, asked: str,
                  out: Outcome) -> str | None:
        start = time.perf_counter()
        try:
            response = await client.post(self.url, params=signed_query(),
                                         content=text_xml(r.openid, text, self.next_msg_id()))
            http_ms = (time.perf_counter() - start) * 1000
            response.raise_for_status()
        except httpx.HTTPError as exc:
            out.turns.append(Turn(r.index, asked, (time.perf_counter() - start) * 1000, float("nan"), "error"))
            out.stopped[r.index] = f"HTTP error at turn {len(out.asked[r.index])}: {exc.__class__.__name__} {exc}"
            return None
        if response.text == "success":
            later = await self._later(r.openid)
            if later is None:
                out.turns.append(Turn(r.index, asked, http_ms, float("nan"), "lost"))
                out.stopped[r.index] = "answered success, and no customer-service message came within 60 s"
                return None
            reply, arrived = later
            out.turns.append(Turn(r.index, asked, http_ms, (arrived - start) * 1000, "success"))
            return reply
        reply = parse_message(response.content).content or ""
        out.turns.append(Turn(r.index, asked, http_ms, http_ms, "xml"))
        if len(reply.encode()) > 1800:            # may have been cut: the rest comes by customer-service message
            rest = await self._later(r.openid, wait=2.0)
            reply = reply + ("\n" + rest[0] if rest else "")
        return reply

    async def apply(self, client: httpx.AsyncClient, r: Resident, out: Outcome) -> None:
        out.asked[r.index] = []
        text, asked = START, "opening"
        for _ in range(self.max_turns):
            reply = await self.say(client, r, text, asked, out)
            if reply is None:
                return
            if "您发得太快了" in reply:
                out.too_fast += 1
            if self.verbose:
                print(f"--- user {r.index} said: {text}\n{reply}\n", flush=True)
            number = CASE_NUMBER.search(reply)
            if number and any(w in reply for w in FILED):
                out.completed[r.index] = number.group(0)
                return
            asked = question(reply)
            out.asked[r.index].append(asked)
            said = answer(asked, r, reply, text)
            if said is None:
                out.stopped[r.index] = f"stopped at '{asked}': {reply[:80]}"
                return
            text = said
        out.stopped[r.index] = f"no case number after {self.max_turns} turns (last question: {asked})"


async def run(url: str, fake: FakeWeChat, users: int, max_turns: int, timeout: float, verbose: bool,
              run_id: str) -> tuple[Outcome, float, Outcome]:
    bench = Users(url, fake, max_turns, verbose)
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=users + 1)) as client:
        warm = Outcome()
        await asyncio.wait_for(bench.apply(client, resident(99, run_id + "w"), warm), timeout=120)  # warm-up
        out = Outcome()
        residents = [resident(i, run_id) for i in range(users)]
        start = time.perf_counter()
        tasks = [asyncio.create_task(bench.apply(client, r, out)) for r in residents]
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        for r in residents:
            if r.index not in out.completed and r.index not in out.stopped:
                out.stopped[r.index] = f"still going when the {timeout:.0f} s run timeout ended it"
        elapsed = time.perf_counter() - start
        await asyncio.sleep(1.0)                   # customer-service messages of turns still being answered
    return out, elapsed, warm


def repeated(asked: dict[int, list[str]]) -> Counter[str]:
    """Questions the bot asked again right after they were answered (the same rule two turns running)."""
    counts: Counter[str] = Counter()
    for seq in asked.values():
        for before, now in zip(seq, seq[1:]):
            if before == now:
                counts[now] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20, help="simulated WeChat users at once")
    parser.add_argument("--max-turns", type=int, default=30, help="turns a user may take before giving up")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the whole run (not the warm-up)")
    parser.add_argument("--reply-within", type=float, help="the door's JISHIJIU_WECHAT_REPLY_WITHIN (default 4.5)")
    parser.add_argument("--model", type=Path, help="a trained model (default: the current one, trained if needed)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--verbose", action="store_true", help="print every message and reply")
    args = parser.parse_args()

    run_id = uuid.uuid4().hex[:6]
    data_dir = tempfile.TemporaryDirectory(prefix="jishijiu-wechat-bench-")
    settings = load_settings({
        "JISHIJIU_DATA_DIR": data_dir.name,
        "DATABASE_URL": prepared_database_url(),        # the tests' database: a private schema, dropped at exit
        "JISHIJIU_SECRET_KEY": secret_text(os.urandom(32)),
        "JISHIJIU_DIVISIONS_FILE": str(TEST_DIVISIONS),
    })
    model = args.model.resolve() if args.model else train_model()
    with FakeWeChat() as fake:
        os.environ.pop("WECHAT_AES_KEY", None)          # plain mode
        os.environ.update({"WECHAT_TOKEN": TOKEN, "WECHAT_APPID": f"wxbench{run_id}{uuid.uuid4().hex[:5]}",
                           "WECHAT_SECRET": "bench-secret", "WECHAT_API_BASE": fake.base_url})
        if args.reply_within is not None:
            os.environ["JISHIJIU_WECHAT_REPLY_WITHIN"] = str(args.reply_within)
        stack_iter = start_stack(settings, model)
        stack = next(stack_iter)
        try:
            out, elapsed, warm = asyncio.run(run(f"{stack.gateway_url}/wechat", fake, args.users, args.max_turns,
                                                 args.timeout, args.verbose, run_id))
        finally:
            stack_iter.close()
        bench_openids = {resident(i, run_id).openid for i in range(args.users)}
        cs_messages = sum(1 for m in fake.sent if m.get("touser") in bench_openids)
        tokens = fake.tokens_issued
    data_dir.cleanup()
    if warm.stopped:
        print(f"warm-up did not complete: {warm.stopped}", flush=True)

    turns = out.turns
    http = [t.http_ms for t in turns if t.via != "error"]
    answered = [t.answered_ms for t in turns if t.via in ("xml", "success")]
    via = Counter(t.via for t in turns)
    per_app = sorted(len([t for t in turns if t.user == u]) for u in out.completed)
    again = repeated(out.asked)
    asked_counts = Counter(q for seq in out.asked.values() for q in seq)
    by_kind: dict[str, list[float]] = {}
    for t in turns:
        if t.via != "error":
            by_kind.setdefault(t.asked, []).append(t.http_ms)
    success_kinds = ", ".join(f"{k} {v}" for k, v in Counter(t.asked for t in turns
                                                          if t.via in ("success", "lost")).most_common())
    slow_http = sum(1 for v in http if v > WECHAT_LIMIT_S * 1000)
    slow_answer = sum(1 for v in answered if v > WECHAT_LIMIT_S * 1000)
    success_turns = [t for t in turns if t.via in ("success", "lost")]
    rows = [
        ("concurrent WeChat users, each filing one whole application", f"{args.users}"),
        ("applications completed (case number in a reply)", f"{len(out.completed)} of {args.users}"),
        ("turns (messages sent to POST /wechat)", f"{len(turns)}"),
        ("turns per completed application: min / median / max",
         f"{per_app[0]} / {per_app[len(per_app) // 2]} / {per_app[-1]}" if per_app else "–"),
        ("wall time of the run", f"{elapsed:.1f} s"),
        ("throughput: turns/s", f"{len(turns) / elapsed:.2f}"),
        ("throughput: completed applications/s", f"{len(out.completed) / elapsed:.3f}"
         f" ({len(out.completed) / elapsed * 60:.1f} a minute)"),
        ("turn latency (HTTP reply to WeChat) p50 / p95 / p99 / max",
         " / ".join(f"{v:.0f} ms" for v in (percentile(http, 0.5), percentile(http, 0.95), percentile(http, 0.99),
                                            max(http))) if http else "–"),
        ("HTTP replies slower than 5 s (target 0)", f"{slow_http}"),
        ("turns answered \"success\" (the answer then by customer-service message)",
         f"{len(success_turns)} of {len(turns)}" + (f" (they answered: {success_kinds})" if success_turns else "")),
        ("customer-service messages the fake WeChat API received / access_tokens issued",
         f"{cs_messages} / {tokens}"),
        ("\"success\" turns whose answer never came (60 s)", f"{via['lost']}"),
        ("time until the resident has the answer p50 / p95 / p99 / max",
         " / ".join(f"{v:.0f} ms" for v in (percentile(answered, 0.5), percentile(answered, 0.95),
                                            percentile(answered, 0.99), max(answered))) if answered else "–"),
        ("answers the resident had after more than 5 s", f"{slow_answer}"),
        ("HTTP errors / \"too fast\" replies (30 a minute per sender)", f"{via['error']} / {out.too_fast}"),
        ("questions asked again right after being answered",
         ", ".join(f"{k} {v}" for k, v in again.most_common()) or "none"),
        ("replies no answer rule matched", f"{sum(s.count('unmatched') for s in out.asked.values())}"),
        ("questions the bot asked, over all users", ", ".join(f"{k} {v}" for k, v in asked_counts.most_common())),
        ("turn latency p50 / p95 by what the turn answered (the 4 slowest by p95)", "; ".join(
            f"{k} {percentile(v, 0.5):.0f} / {percentile(v, 0.95):.0f} ms"
            for k, v in sorted(by_kind.items(), key=lambda kv: -percentile(kv[1], 0.95))[:4])),
    ]
    table = "| measure | value |\n| --- | --- |\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    if out.stopped:
        table += "\n\nNot completed:\n" + "\n".join(f"- user {u}: {why}" for u, why in sorted(out.stopped.items()))
    command = (f".venv/bin/python bench/wechat_bench.py --users {args.users} --max-turns {args.max_turns} "
               f"--timeout {args.timeout:g}"
               + (f" --reply-within {args.reply_within:g}" if args.reply_within is not None else "")
               + (f" --model {args.model}" if args.model else ""))
    print(f"model: {model}\n{command}\n\n{table}", flush=True)
    if args.no_write or args.model or args.users != 20 or args.reply_within is not None:
        return
    body = f"""Command: `{command}`

{args.users} simulated WeChat users at once, each with its own openid, send signed plain-mode text messages to
`POST /wechat` exactly as WeChat does (unique MsgId each) and file one whole application: "{START}", then what the
bot asks, in its order (situation, consent, for oneself, name, 身份证号 with a valid check digit, mobile phone,
county or township of Jining, household size, kind of difficulty, the read-back confirmed), until a reply carries
the case number. Each user reads every reply
and answers the question it asks (the bench's rule table); even users answer numbered choices ("1. 同意") by number,
odd users in words. No pause between a reply and the next message (a resident types for seconds: this is the worst
case). WeChat's API is a local fake (tests/connectors/fake_wechat.py) for the customer-service messages that carry
answers the door could not give within JISHIJIU_WECHAT_REPLY_WITHIN ({args.reply_within or 4.5:g} s: WeChat then gets
"success"). The stack is tests/conversation/live.py's: Rasa, the gateway (one process, which also serves the action
webhook), PostgreSQL (a private schema of the tests' database), Redis, the fake and the load generator share the 2
cores. A warm-up application by one user runs first and is not counted.

{table}"""
    write_section(HEADING, body)
    print("\nwritten to docs/benchmarks.md", flush=True)


if __name__ == "__main__":
    main()
