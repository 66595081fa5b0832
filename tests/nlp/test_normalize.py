from nlp.normalize import detect_script, normalize_text, to_halfwidth, to_simplified
from nlp.places import find_district
from nlp.tokens import tokenize


def test_traditional_to_simplified_phrase_aware():
    assert to_simplified("幹部") == "干部"
    assert to_simplified("乾淨的頭髮") == "干净的头发"
    assert to_simplified("婦聯關注兒童權益") == "妇联关注儿童权益"
    assert normalize_text("這個孩子被拐賣了") == "这个孩子被拐卖了"


def test_detect_script():
    assert detect_script("網傳有人販子搶孩子") == "traditional"
    assert detect_script("网传有人贩子抢孩子") == "simplified"
    assert detect_script("台灣") == "traditional"
    assert detect_script("") == "simplified"
    assert detect_script("hello 123") == "simplified"


def test_fullwidth_to_halfwidth():
    assert to_halfwidth("ＡＢＣ１２３　ｘｙｚ") == "ABC123 xyz"
    assert normalize_text("Ｍｅ　Ｔｏｏ运动") == "Me Too运动"


def test_urls_and_mentions_removed():
    out = normalize_text("@平安天津 网友反映 详见 https://weibo.com/123?x=1 和 www.example.cn/a 还有 t.cn/A6abc")
    assert "http" not in out and "www" not in out and "t.cn" not in out
    assert "平安天津" not in out and "@" not in out
    assert "网友反映" in out
    # an e-mail address is not a mention
    assert "a@b.com" in normalize_text("联系 a@b.com")


def test_hashtag_text_kept_without_marks():
    out = normalize_text("#天津家暴#太可怕了")
    assert "#" not in out
    assert "天津家暴" in out and "太可怕了" in out


def test_emoji_removed_or_mapped():
    out = normalize_text("我😭了🇨🇳🎉👍🏻")
    assert "哭" in out and "点赞" in out
    assert not any(ord(ch) >= 0x1F000 for ch in out)


def test_repeats_squeezed_but_numbers_kept():
    assert normalize_text("哈哈哈哈哈哈") == "哈哈哈"
    assert normalize_text("太过分了！！！！") == "太过分了！"
    assert normalize_text("？？？") == "？"
    assert normalize_text("赔偿1000000元") == "赔偿1000000元"


def test_whitespace_collapsed():
    assert normalize_text("  孩子 \n\n 走失 \t了 ") == "孩子 走失 了"
    assert normalize_text(None) == ""


def test_userdict_terms_are_words():
    words = tokenize(normalize_text("滨海新区一女子申请人身安全保护令，家暴男被拘留"))
    assert "滨海新区" in words
    assert "人身安全保护令" in words
    assert "家暴男" in words


def test_find_district():
    assert find_district("天津市河西区某小区发生一起家暴案") == "河西区"
    assert find_district("滨海一幼儿园") == "滨海新区"
    assert find_district("塘沽一小学") == "滨海新区"
    assert find_district("蓟县一村民") == "蓟州区"
    assert find_district("河北区一小学") == "河北区"
    assert find_district("河北省石家庄市一村庄") == "河北省"
    assert find_district("广西一地") == "广西壮族自治区"
    assert find_district("呼吁世界和平") is None
    assert find_district("#天津北辰# 小区门口") == "北辰区"
    assert find_district("北辰东路一商场") is None
    assert find_district("") is None
    # Traditional text after conversion
    assert find_district(to_simplified("寶坻區一名兒童走失")) == "宝坻区"
