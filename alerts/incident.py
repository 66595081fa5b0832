"""Do two reports describe the same incident? A profile per item and a pair score.

Two news reports of one incident are usually written differently ("6岁男童河西区公园走失"
vs "河西区一名6岁男童在公园走失"), so character shingles miss them. What they share is
the incident's particulars: the district, the victim's age, numbers (8名学生, 60余万),
who was harmed (男童, 产妇), who did it (继母, 保育员), where (公园, 电梯, 月子会所), and
the rarer words of the story. A profile holds those; `incident_score` weighs them:

- keyword overlap: jieba words of title and lead, weighted by jieba's general-corpus idf
  (so "调查", "表示" count little and "针眼", "月子" a lot), cosine of the two sets;
- entity agreement: shared ages, numbers, victim/actor/place classes add to the score;
- conflicts veto: two different districts, or ages, school grades (初二, 五年级) or
  numbered institutions (第一中学) named on both sides with none in common, mean two
  incidents however alike the wording ("河西区4岁女童" vs "河西区6岁男童").

The threshold that turns the score into "same incident" was chosen on the labeled pairs
in tests/alerts/grouping_pairs.py (see tests/alerts/grouping_eval.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache

from nlp.normalize import normalize_text
from nlp.places import find_district
from nlp.tokens import tokenize

# Chosen by measurement on the labeled pairs (tests/alerts/grouping_eval.py): 0.28 is the
# lowest value with no false merge there (the highest different-incident pair scores
# 0.277); 0.30 keeps a margin, since merging two incidents hides an alert while a missed
# merge only costs a second one. At 0.30: precision 1.0, recall 28/32 on the pairs.
SAME_INCIDENT_THRESHOLD = 0.30

MIN_WORDS = 6  # content words each report needs before it can be matched by particulars
# Keyword cosine needed when no district/age/grade/institution is shared. Set on the
# labeled training corpus (nlp/data/labeled, tests/alerts/eval_grouping.py): at 0.45
# opinion posts on one topic ("彩礼", "家暴劝和") merged; at 0.6 what merges there is
# mostly one incident (a rumor and its refutation); the labeled pairs are unchanged.
UNANCHORED_KEYWORDS = 0.6
LEAD_CHARS = 160  # the lead carries who/where/what; later paragraphs drift to comment

# Synonyms -> one class, so "男童" and "男孩" or "继母" and "后妈" agree.
_VICTIMS = {
    "boy": ("男童", "男孩", "儿子", "小男孩", "男生"),
    "girl": ("女童", "女孩", "女儿", "小女孩", "女生", "少女"),
    "infant": ("幼儿", "宝宝", "婴儿", "新生儿", "月龄", "1岁半", "一岁半"),
    "pupil": ("学生", "小学生", "初中生", "中学生", "高中生", "大学生"),
    "woman": ("女子", "妇女", "妻子", "老婆", "女士", "女性", "女员工", "女职工", "女工", "女乘客", "女游客", "女主播"),
    "mother": ("产妇", "孕妇", "妈妈", "母亲"),
}
_ACTORS = {
    "teacher": ("老师", "教师", "班主任"),
    "husband": ("丈夫", "老公"),
    "ex": ("前男友", "前夫", "男友"),
    "stepparent": ("继母", "后妈", "继父", "后爸"),
    "father": ("父亲", "爸爸"),
    "carer": ("保育员", "保姆", "阿姨", "育儿嫂"),
    "doctor": ("医生", "村医", "护士"),
    "streamer": ("主播",),
    "boss": ("上司", "经理", "老板", "负责人"),
    "stranger": ("陌生男子", "陌生男", "陌生人"),
    "gang": ("团伙",),
    "classmate": ("同学",),
}
_PLACES = {
    "park": ("公园",),
    "kindergarten": ("幼儿园",),
    "childcare": ("托育", "托管"),
    "school": ("小学", "中学", "学校", "校园"),
    "training": ("培训机构", "辅导班", "补习班", "辅导机构"),
    # Not 医院 itself: most injury reports end with "送医院".
    "clinic": ("卫生院", "卫生服务中心", "卫生室", "社区医院", "儿童医院"),
    "confinement": ("月子",),
    "metro": ("地铁",),
    "station": ("火车站", "天津站", "车站"),
    "mall": ("商场", "超市"),
    "market": ("菜市场",),
    "elevator": ("电梯",),
    "garage": ("车库", "停车场"),
    "toilet": ("厕所",),
    "canteen": ("食堂", "午餐", "午饭", "配餐"),
    "schoolbus": ("校车",),
    "bus": ("公交",),
    "river": ("河边", "河堤", "水库"),
    "netcafe": ("网吧",),
    "scenic": ("景区",),
    "slide": ("滑梯",),
    "group_chat": ("群聊", "微信群", "群里"),
}

_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUM = re.compile(r"[零一二两三四五六七八九十]{1,3}(?=[余多]?[岁名个人万元位起天年月])")
_AGE = re.compile(r"(\d{1,3})\s*(?:周岁|岁)")
_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(?:余|多)?\s*(名|个|人|位|万|元|米|次|所|家|天|小时|年)")
_HEADCOUNT = {"个": "名", "人": "名", "位": "名"}  # 8名学生 = 八个孩子
_GRADE = re.compile(r"初[一二三]|高[一二三]|[1-6]年级|大[一二三四]")  # after arabic_numbers
_INSTITUTION = re.compile(r"第[一二三四五六七八九十\d]{1,3}(?:中学|小学|幼儿园|医院|人民医院)")
_WORD_LIMIT = 80
# The vocabulary of official responses comes with almost every report of any incident
# ("警方通报：涉事学生…学校已成立工作专班"), so it says nothing about which incident.
_BOILERPLATE = frozenset(
    ["警方", "通报", "涉事", "专班", "工作", "成立", "介入", "调查", "回应", "表示", "依法", "相关",
     "部门", "情况", "目前", "已经", "记者", "获悉", "近日", "日前", "网友", "网上", "流传", "关注",
     "处理", "严肃", "依规", "进一步", "正在", "发现", "事件", "事情", "要求", "给予", "进行"]
)


def _cn_to_int(text: str) -> int | None:
    """一..九十九 in Chinese numerals; None for anything else (十几, 百)."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(ones) > 1 or len(tens) > 1:
            return None
        t = _CN_DIGITS.get(tens, 1) if tens else 1
        o = _CN_DIGITS.get(ones, 0) if ones else 0
        return t * 10 + o
    if len(text) == 1:
        return _CN_DIGITS.get(text)
    return None


def arabic_numbers(text: str) -> str:
    """"八个孩子" -> "8个孩子", "三十多个" -> "30多个": the two spellings must agree."""
    def repl(m: re.Match[str]) -> str:
        value = _cn_to_int(m.group(0))
        return str(value) if value is not None else m.group(0)

    return _CN_NUM.sub(repl, text)


def _classes(text: str, table: dict[str, tuple[str, ...]]) -> frozenset[str]:
    return frozenset(name for name, words in table.items() if any(w in text for w in words))


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    import jieba.analyse

    tfidf = jieba.analyse.default_tfidf
    return tfidf.idf_freq, float(tfidf.median_idf)


# jieba's idf of everyday words (孩子 5.2, 学生 5.8, 一家 5.6) is not far below that of
# telling ones (菜刀 9.9, 疾控 12.0); subtracting a floor widens the gap.
_IDF_FLOOR = 4.0


def word_weight(word: str) -> float:
    idf, median = _idf()
    return max(float(idf.get(word, median)) - _IDF_FLOOR, 0.0)


def _content_word(word: str) -> bool:
    # Place names are compared as districts (a conflict vetoes), not again as keywords;
    # "一家", "一所", "一名" are counting phrases, not content.
    return (len(word) >= 2 and not word.isdigit() and not word.startswith("一")
            and word not in _BOILERPLATE and find_district(word) is None)


@dataclass(frozen=True)
class Profile:
    words: frozenset[str]
    districts: frozenset[str]
    ages: frozenset[int]
    numbers: frozenset[str]
    victims: frozenset[str]
    actors: frozenset[str]
    places: frozenset[str]
    grades: frozenset[str] = frozenset()
    institutions: frozenset[str] = frozenset()
    when: datetime | None = None

    @cached_property  # compared with many members per run; computed once
    def norm(self) -> float:
        return math.sqrt(sum(word_weight(w) ** 2 for w in self.words))


def profile(title: str, text: str, when: datetime | None = None,
            district: str | None = None) -> Profile:
    """The particulars of one report (title plus the lead of the text)."""
    title = normalize_text(title or "")
    lead = normalize_text((text or "")[: LEAD_CHARS * 2])[:LEAD_CHARS]
    body = arabic_numbers(f"{title} {lead}")
    words = [w for w in tokenize(body) if _content_word(w)]
    districts = {d for d in (find_district(title), find_district(lead)) if d}
    if not districts and district:
        districts.add(district)
    return Profile(
        words=frozenset(words[:_WORD_LIMIT]),
        districts=frozenset(districts),
        ages=frozenset(int(a) for a in _AGE.findall(body) if int(a) < 120),
        # "1名" is how Chinese says "a": only larger numbers are particulars.
        numbers=frozenset(f"{float(n):g}{_HEADCOUNT.get(unit, unit)}"
                          for n, unit in _NUMBER.findall(body) if float(n) != 1),
        victims=_classes(body, _VICTIMS),
        actors=_classes(body, _ACTORS),
        places=_classes(body, _PLACES),
        grades=frozenset(_GRADE.findall(body)),
        institutions=frozenset(_INSTITUTION.findall(body)),
        when=when,
    )


def conflicts(a: Profile, b: Profile) -> bool:
    """Particulars that cannot both be true of one incident."""
    return any(
        x and y and not x & y
        for x, y in ((a.districts, b.districts), (a.ages, b.ages), (a.grades, b.grades),
                     (a.institutions, b.institutions))
    )


def keyword_similarity(a: Profile, b: Profile) -> float:
    """idf-weighted cosine of the two word sets."""
    if not a.words or not b.words:
        return 0.0
    common = sum(word_weight(w) ** 2 for w in a.words & b.words)
    return common / (a.norm * b.norm)


def entity_score(a: Profile, b: Profile) -> float:
    """Agreement on particulars, 0..1 (each kind counts once)."""
    score = 0.0
    if a.districts & b.districts:
        score += 0.2
    if a.ages & b.ages:
        score += 0.25
    score += min(len(a.numbers & b.numbers), 2) * 0.1
    if a.victims & b.victims:
        score += 0.1
    if a.actors & b.actors:
        score += 0.15
    if a.places & b.places:
        score += 0.1 * min(len(a.places & b.places), 2)
    return min(score, 1.0)


def anchored(a: Profile, b: Profile) -> bool:
    """Both name the same district, age, grade or numbered institution (numbers such
    as "21名" recur across unrelated reports, so they add to the score but anchor nothing)."""
    return bool(a.districts & b.districts or a.ages & b.ages
                or a.grades & b.grades or a.institutions & b.institutions)


def incident_score(a: Profile, b: Profile) -> float:
    """0..1, higher = more likely the same incident; 0 when particulars conflict.

    Short opinion posts ("家暴还劝和的亲戚最可怕") name no incident at all: without
    enough words on both sides there is nothing to match. Without a shared anchor
    (district, age...) only a strong keyword match counts.
    """
    if conflicts(a, b) or min(len(a.words), len(b.words)) < MIN_WORDS:
        return 0.0
    keywords = keyword_similarity(a, b)
    if not anchored(a, b) and keywords < UNANCHORED_KEYWORDS:
        return 0.0
    score = 0.6 * keywords + 0.4 * entity_score(a, b)
    if a.when and b.when:
        # Follow-up reports come within days; the further apart, the more evidence needed.
        days = abs((a.when - b.when).total_seconds()) / 86400
        score *= 1.0 - 0.1 * min(days / 3, 1.0)
    return score
