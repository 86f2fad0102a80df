"""jieba really segments, and domain terms stay whole."""
from __future__ import annotations

from nlp.segment import Segmenter, initialize, segment


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


def test_jieba_is_initialised_once_per_process():
    assert initialize() is initialize()


def test_segmenter_step_returns_space_joined_words():
    out = Segmenter().fit(["x"]).transform(["系统卡顿", "人员离职"])
    assert out == ["系统 卡顿", "人员 离职"]
