"""jieba really segments, and domain terms stay whole."""

from __future__ import annotations

from nlp.classify.pipeline import Segmenter
from nlp.text.words import build_tokenizer, dictionary_cache, initialize, segment


def test_segmentation_splits_chinese_into_several_words():
    words = segment("由于网络不稳定，系统曾发生临时性故障")
    assert len(words) >= 5
    assert "系统" in words and "故障" in words
    assert all(len(w) < 8 for w in words)


def test_user_dictionary_terms_stay_whole():
    words = segment("政府采购两次流标，质保金和尾款未支付，情报板工单未及时处理，建档立卡户动态调整")
    for term in ("政府采购", "流标", "质保金", "尾款", "情报板", "工单", "建档立卡"):
        assert term in words


def test_stop_words_and_punctuation_are_dropped():
    words = segment("由于资金的拨付和审批，导致项目延期。")
    assert "的" not in words and "和" not in words and "，" not in words and "。" not in words


def test_jieba_is_initialised_once_per_process(monkeypatch):
    """Eight threads asking at once build the dictionary once and all get that one tokenizer."""
    import threading

    import nlp.text.words as segment_module

    built = []

    def counting_build(*args, **kwargs):
        built.append(threading.get_ident())
        return build_tokenizer(*args, **kwargs)

    monkeypatch.setattr(segment_module, "_tokenizer", None)
    monkeypatch.setattr(segment_module, "build_tokenizer", counting_build)
    start = threading.Barrier(8)
    got = []

    def ask() -> None:
        start.wait()
        got.append(initialize())

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and len(got) == 8 and all(t is got[0] for t in got)
    assert initialize() is got[0] and len(built) == 1  # a later call builds nothing either


def test_segmenter_step_returns_space_joined_words():
    out = Segmenter().fit(["x"]).transform(["系统卡顿", "人员离职"])
    assert out == ["系统 卡顿", "人员 离职"]


TEXTS = [
    "政府采购两次流标，质保金和尾款未支付，情报板工单未及时处理，建档立卡户动态调整",
    "受疫情影响，部分培训改为线上开展，参训人数未达预期，下一步将优化培训方式",
    "由于中央资金下达较晚，项目于11月才完成招标，部分工程款结转下年支付",
]


def test_a_cached_dictionary_segments_exactly_as_a_freshly_built_one(tmp_path):
    cache = tmp_path / "jieba.pickle"
    built = build_tokenizer(cache=cache)
    assert cache.is_file()
    restored = build_tokenizer(cache=cache)
    assert restored.FREQ == built.FREQ and restored.total == built.total
    for text in TEXTS:
        assert restored.lcut(text, HMM=False) == built.lcut(text, HMM=False)
    assert "质保金" in restored.lcut(TEXTS[0], HMM=False)  # the user dictionary is in the cached copy


def test_a_damaged_cache_is_rebuilt_not_fatal(tmp_path):
    cache = tmp_path / "jieba.pickle"
    cache.write_bytes(b"not a pickle")
    tokenizer = build_tokenizer(cache=cache)
    assert "流标" in tokenizer.lcut(TEXTS[0], HMM=False)
    assert build_tokenizer(cache=cache).FREQ == tokenizer.FREQ  # the rebuilt file replaced the damaged one


def test_an_unwritable_cache_place_still_gives_a_tokenizer(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    tokenizer = build_tokenizer(cache=blocker / "sub" / "jieba.pickle")  # its parent cannot be made
    assert "质保金" in tokenizer.lcut(TEXTS[0], HMM=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_the_cache_is_named_by_the_user_dictionary(tmp_path):
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text("情报板 10 n\n", encoding="utf-8")
    two.write_text("情报板 10 n\n质保金 10 n\n", encoding="utf-8")
    assert dictionary_cache(one) != dictionary_cache(two)
