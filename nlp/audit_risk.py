"""Audit of risk labels against written rules taken from the taxonomy's risk definitions.

    python -m nlp.audit_risk            # list the items whose label breaks a rule
    python -m nlp.audit_risk --apply    # rewrite the labeled files with the rule's level

Three people wrote the training data; these rules make their risk labels agree with
/work/shared/taxonomy.md where the text leaves no doubt. The rule decides, never a
model. Each rule only ever raises a label to its floor; nothing is lowered, because
the taxonomy's level 0/1 definitions cannot be checked from the words alone.

A rule applies only to a relevant item that reports one concrete case (a victim is
named: "一名", an age, "男子", ...): items flagged as rumors, official refutations,
opinions about such cases in general, and policy, statistics or guidance items are
left to their writers.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.data import LABELED_DIR
from nlp.normalize import normalize_text

# The item is a refutation or a rumor: the harm it names did not happen (as far as known).
REFUTED = re.compile(
    r"辟谣|谣言|不实|系误读|摆拍|不属实|失实|假消息|为假|编造|旧闻|旧案|不符|不存在|未发现"
)
# Policy, law and guidance items talk about harm in general, not about one case.
POLICY = re.compile(
    r"典型案例|司法解释|指引|制度|印发|出台|条例|倡议|提醒|家长课堂|以案释法|法官说法|律师"
    r"|主题教育|手记|心理咨询师|一站式|今年以来|犯罪情况|死亡率"
    r"|科普|调查显示|受访|二审|维持原判"
)
# The injury is minor or already behind the victim: the writer's level stands.
MILD = re.compile(r"擦伤|没大碍|无大碍|获救|已返校|已康复")
# One case with a victim is reported (not an opinion about such cases in general).
CASE = re.compile(
    r"一名|一位|\d+名|\d+岁|两名|两宗|\d+宗|男子|女子|被告人|嫌疑人|我家|我女儿|我儿子|孩子被|"
    r"被.{0,8}(咬伤|打伤|划伤|烫伤|砍伤|烧伤|刺伤)"
)

# death or grave harm of the case's victim (not a relative's death in passing: 去世 is not here)
DEATH = re.compile(r"身亡|溺亡|遇害|被杀害|被打死|打死|致死|致其死亡|死亡个案|孕产妇死亡(?!率)|不治")
# physical injury of the victim, as reported (advice about "伤情照片" is not an injury)
INJURY = re.compile(r"骨折|重伤|轻伤|砍伤|打伤|烫伤|烧伤|刺伤|划伤|咬伤|送医|抢救|缝针|缝了\d*针|伤势")
SEXUAL = re.compile(r"性侵|猥亵|强奸|奸淫")
MINOR_WORD = re.compile(r"幼女|女童|男童|未成年|小学生|初中生|中学生|幼儿|儿童|学生|女孩|男孩")
AGE = re.compile(r"(?<![0-9])(\d{1,2})岁")
MANY = re.compile(
    r"(多名|数名|数十名|十余名|几十名|[2-9]名|[1-9]\d+名)"
    r"(女童|男童|儿童|幼儿|学生|女生|女孩|妇女|女性|未成年|孩子|受害)"
)
# staff of an institution that cares for women or children harmed them or failed them
INSTITUTION = re.compile(r"幼儿园|学校|医院|福利院|托育|托管班|养老院|派出所|机构")
STAFF = re.compile(r"老师|教师|幼师|医生|护士|园长|校长|工作人员|保育员|民警|院方|园方|校方")
STAFF_ACT = re.compile(r"体罚|虐待|推搡|殴打|打了(?!一架)|扇|针扎|拒收|延误|失职|不作为|隐瞒|包庇|不予立案|拒绝立案|罚站")
HARM = re.compile(r"猥亵|性侵|强奸|虐待|中毒|受伤|拐卖|被拐|殴打|体罚|欺凌|偷拍|骚扰|敲诈")


def _minor(text: str) -> bool:
    """A minor is named, or an age under 18 is given."""
    if MINOR_WORD.search(text):
        return True
    return any(int(m.group(1)) < 18 for m in AGE.finditer(text))


@dataclass(frozen=True)
class Rule:
    name: str
    floor: int  # the lowest risk the taxonomy allows for items matching the rule
    why: str
    test: Callable[[str, dict[str, Any]], bool]


RULES: tuple[Rule, ...] = (
    Rule("death", 3, "death of the case's victim is urgent (3)",
         lambda s, it: bool(DEATH.search(s))),
    Rule("sexual_abuse_minor", 3, "sexual abuse of a minor is urgent (3)",
         lambda s, it: bool(SEXUAL.search(s)) and _minor(s)),
    Rule("many_victims", 3, "many victims is urgent (3)",
         lambda s, it: bool(MANY.search(s)) and bool(HARM.search(s))),
    Rule("institution", 2, "an institution failing or harming those in its care is at least warning (2)",
         lambda s, it: bool(INSTITUTION.search(s) and STAFF.search(s) and STAFF_ACT.search(s))),
    Rule("injury", 2, "a case with injury is at least warning (2)",
         lambda s, it: bool(INJURY.search(s)) and not MILD.search(s)),
)


def item_text(item: dict[str, Any]) -> str:
    return normalize_text(f"{item.get('title') or ''}。{item['text']}")


def required_floor(item: dict[str, Any]) -> tuple[int, list[str]]:
    """(lowest risk the rules allow, names of the rules that apply) for one labeled item."""
    if not item.get("relevant") or item.get("rumor_suspected"):
        return 0, []
    s = item_text(item)
    if REFUTED.search(s) or POLICY.search(s) or not CASE.search(s):
        return 0, []
    hits = [r for r in RULES if r.test(s, item)]
    if not hits:
        return 0, []
    return max(r.floor for r in hits), [r.name for r in hits]


def audit_file(path: Path) -> list[dict[str, Any]]:
    """Changes one file needs: id, line, old and new risk, rules that apply."""
    changes = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        floor, rules = required_floor(item)
        if floor > int(item["risk"]):
            changes.append({"file": path.name, "line": lineno, "id": item["id"],
                            "old": int(item["risk"]), "new": floor, "rules": rules,
                            "text": item_text(item)[:80]})
    return changes


def apply_changes(path: Path, changes: list[dict[str, Any]]) -> None:
    """Rewrite only the risk field of the changed lines; every other byte stays."""
    by_line = {c["line"]: c for c in changes}
    lines = path.read_text(encoding="utf-8").splitlines()
    for lineno, c in by_line.items():
        item = json.loads(lines[lineno - 1])
        if item["id"] != c["id"]:
            raise RuntimeError(f"{path}:{lineno}: expected id {c['id']}, found {item['id']}")
        item["risk"] = c["new"]
        lines[lineno - 1] = json.dumps(item, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apply", action="store_true", help="rewrite the labeled files")
    ap.add_argument("--dir", type=Path, default=LABELED_DIR)
    args = ap.parse_args(argv)
    total = 0
    for path in sorted(args.dir.glob("*.jsonl")):
        changes = audit_file(path)
        for c in changes:
            print(f"{c['id']}: risk {c['old']} -> {c['new']} ({', '.join(c['rules'])}) {c['text']}")
        if args.apply and changes:
            apply_changes(path, changes)
        total += len(changes)
    print(f"{total} item(s) {'changed' if args.apply else 'break a rule'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
