"""Escalation cues: the signs the taxonomy names for risk levels 2 and 3.

The taxonomy separates "watch" (1) from "warning" (2) and "urgent" (3) by spread,
injury, death, minors, many victims, institutions or officials involved and calls
to gather. Word n-grams see those signs only one phrasing at a time; these cues
group the phrasings so the risk models can learn each sign once. They are
features, not rules. Each cue's name is the Chinese term a duty officer reads in
an explanation.
"""

from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

# (name shown to duty officers, pattern on normalized Simplified text)
CUES: tuple[tuple[str, str], ...] = (
    ("传播扩散", r"热搜|转发|视频|网传|刷屏|阅读量|播放量|疯传|扩散|转疯|万次|评论区|上了新闻|曝光"),
    ("涉事机构", r"学校|幼儿园|医院|派出所|政府|机构|福利院|托育|托管|养老院|培训班|补习班|卫生院|平台"),
    ("机构人员", r"老师|教师|幼师|医生|护士|园长|校长|民警|工作人员|保育员|保安|教练|班主任"),
    ("官员涉事", r"官员|干部|领导|村支书|书记|局长|村长|主任|公职人员|包庇|问责|停职|免职"),
    ("受伤", r"骨折|受伤|重伤|轻伤|伤情|送医|抢救|住院|伤痕|淤青|缝针|缝了|流血|伤势|烫伤|烧伤|划伤|咬伤|砍伤|打伤|刺伤|伤口"),
    ("死亡", r"死亡(?!率)|身亡|溺亡|遇害|致死|不治|自杀|跳楼|轻生|命案|杀害|打死"),
    ("未成年人", r"女童|男童|幼女|未成年|小学生|初中生|中学生|幼儿|儿童|孩子|学生|女孩|男孩|婴儿"),
    ("多名受害", r"多名|数十|数名|集体|十余名|几十名|多个家庭|多起|群体|批量"),
    ("聚集维权", r"集合|维权|讨说法|聚集|拉横幅|围堵|堵门|上访|静坐|联名|要个说法|给个说法"),
    ("性侵害", r"性侵|猥亵|强奸|奸淫|偷拍|裸照"),
    ("拐卖", r"拐卖|被拐|人贩|抢孩子|偷孩子|拐走|买卖"),
    ("呼吁处置", r"严惩|彻查|求扩散|求助|呼吁|要求.{0,6}(调查|处理|道歉)|不作为|没人管|谁来管"),
    ("官方处置", r"通报|立案|刑拘|刑事拘留|逮捕|调查|介入|回应|约谈|责令|已被控制"),
    ("已结案", r"获刑|判处|宣判|审结|判决|终身禁业|二审|一审|维持原判"),
    ("辟谣不实", r"辟谣|谣言|不实|系编造|摆拍|不属实|失实|旧闻"),
    ("个人求助", r"请问|怎么办|有没有.{0,8}(经历|律师|朋友)|该怎么|求建议|吗？"),
    ("持续反复", r"多次|长期|反复|一直|每次|又一次|屡次|好几次|经常"),
    ("正面进展", r"成功|获救|团聚|团圆|表彰|推进|启动|开展|发布|落实|好消息|点赞"),
)

_AGE = re.compile(r"(?<![0-9])(\d{1,2})(?:岁|周岁)")
_COUNT = re.compile(r"(?<![0-9])(\d{1,4})(?:名|人|个孩子|户)")
_CN_AGE = re.compile(r"([一二三四五六七八九十]{1,3})(?:岁|周岁)")
_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _cn_number(s: str) -> int | None:
    """一..九十九 written in characters (ages): 十三 -> 13, 二十 -> 20."""
    if "十" in s:
        head, _, tail = s.partition("十")
        tens = _CN_DIGITS.get(head, 1) if head else 1
        ones = _CN_DIGITS.get(tail, 0) if tail else 0
        return tens * 10 + ones
    return _CN_DIGITS.get(s)


def ages(text: str) -> list[int]:
    """Ages given in a text, in digits (12岁) or characters (十二岁)."""
    out = [int(m.group(1)) for m in _AGE.finditer(text)]
    for m in _CN_AGE.finditer(text):
        n = _cn_number(m.group(1))
        if n is not None:
            out.append(n)
    return out


def victim_count(text: str) -> int:
    """The largest head count named (23名学生 -> 23); 0 when none."""
    return max((int(m.group(1)) for m in _COUNT.finditer(text)), default=0)


NUMERIC = ("14岁以下", "18岁以下", "受害人数")


class CueFeatures(TransformerMixin, BaseEstimator):
    """log1p(hits) of each cue, plus ages under 14 / 18 and log1p(largest head count).

    Works on normalized (Simplified) text. Regexes are compiled lazily and not pickled.
    """

    def __init__(self) -> None:
        pass

    def fit(self, texts: list[str], y: object = None) -> CueFeatures:
        self.names_ = [name for name, _ in CUES] + list(NUMERIC)
        return self

    def _patterns(self) -> list[re.Pattern[str]]:
        pats = getattr(self, "_compiled", None)
        if pats is None:
            pats = [re.compile(p) for _, p in CUES]
            self._compiled = pats
        return pats

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        pats = self._patterns()
        k = len(pats)
        out = np.zeros((len(texts), k + len(NUMERIC)), dtype=np.float64)
        for i, text in enumerate(texts):
            for j, pat in enumerate(pats):
                n = len(pat.findall(text))
                if n:
                    out[i, j] = np.log1p(n)
            found = ages(text)
            if found:
                young = min(found)
                out[i, k] = float(young < 14)
                out[i, k + 1] = float(young < 18)
            count = victim_count(text)
            if count:
                out[i, k + 2] = np.log1p(min(count, 10000)) / 3
        return sp.csr_matrix(out)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([f"[线索]{name}" for name in self.names_], dtype=object)

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_compiled", None)
        return state
