import json

from nlp.audit_risk import apply_changes, audit_file, required_floor
from nlp.data import LABELED_DIR

BASE = {"id": "x", "title": "", "form": "news", "script": "simplified", "relevant": True,
        "category": "other", "risk": 1, "rumor_suspected": False, "sentiment": "negative",
        "district": None}


def _item(text, **kw):
    return BASE | {"text": text} | kw


def test_rules_raise_to_the_taxonomy_floor():
    assert required_floor(_item("蓟州区两名儿童在水库溺水身亡，当地已排查隐患。"))[0] == 3
    assert required_floor(_item("一名男子在公交车上猥亵一名12岁女孩，已被刑拘。"))[0] == 3
    assert required_floor(_item("某中学23名学生午餐后食物中毒，供餐企业被查。"))[0] == 3
    floor, rules = required_floor(_item("一名4岁女孩在游乐设施上被划伤，缝了六针。"))
    assert floor == 2 and rules == ["injury"]
    assert required_floor(_item("幼儿园一名老师用针扎孩子，家长报警。"))[0] == 2


def test_refutations_opinions_policy_and_rumors_are_left_alone():
    assert required_floor(_item("网传一名女童遇害，警方通报：系谣言。"))[0] == 0
    assert required_floor(_item("性侵未成年人就该重判，支持立法"))[0] == 0
    assert required_floor(_item("全国孕产妇死亡率降至历史新低，一名专家解读。"))[0] == 0
    assert required_floor(_item("一名儿童遇害的消息在群里传", rumor_suspected=True))[0] == 0
    assert required_floor(_item("一名儿童遇害", relevant=False, category="none", risk=0))[0] == 0
    # a minor injury, or one the victim has left behind, keeps the writer's level
    assert required_floor(_item("一名三年级学生课间在走廊摔倒，下巴擦伤，已返校上课。"))[0] == 0
    assert required_floor(_item("一名学生课间在走廊摔倒，下巴缝了3针。"))[0] == 2
    # pupils who fought each other are no institution failing them
    assert required_floor(_item("我家孩子在学校跟同学打了一架，老师调解过了。"))[0] == 0
    assert required_floor(_item("我家孩子在学校被老师打了，老师不承认。"))[0] == 2
    # a survey counts victims in general, not one case's
    assert required_floor(_item("调查显示，一名受访女性中就有一名曾遭网络骚扰，多名女性被骚扰。"))[0] == 0
    # a relative's death in passing is no death of the case's victim
    assert required_floor(_item("我家奶奶去年去世了，一名亲戚想抢房子。"))[0] == 0


def test_apply_changes_rewrites_only_the_risk(tmp_path):
    rows = [_item("一名4岁女孩在游乐设施上被划伤，缝了六针。", id="a"), _item("今天天气很好", id="b", risk=0)]
    f = tmp_path / "part.jsonl"
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    changes = audit_file(f)
    assert [(c["id"], c["old"], c["new"]) for c in changes] == [("a", 1, 2)]
    apply_changes(f, changes)
    after = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()]
    assert after[0] == rows[0] | {"risk": 2}
    assert after[1] == rows[1]
    assert audit_file(f) == []


def test_packaged_data_follows_the_rules():
    for path in sorted(LABELED_DIR.glob("*.jsonl")):
        assert audit_file(path) == [], path.name
