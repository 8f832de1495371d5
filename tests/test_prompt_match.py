"""Text → sticker tells the truth: 20 prompts (missing subjects, five languages, two subjects).

Each prompt gives the right subject(s) from the bundled library, or a clear "no library
art" with the closest candidates; never a confident wrong subject.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.text.prompt_match import Relation, read_prompt
from sticker_studio.core.text.prompt_words import parse_prompt

DANCE = parse_prompt("dancing").motion
JUMP = parse_prompt("jumping").motion
ANY_HAT = {"top hat", "woman’s hat", "billed cap", "cowboy hat face"}
DINOSAUR = {"T-Rex", "sauropod"}

#: prompt → (main subject labels, second subject labels or None, relation or None, motion or None);
#: None as the main: the library has no such subject.
PROMPTS: list[tuple[str, set[str] | None, set[str] | None, Relation | None, str | None]] = [
    ("an axolotl dancing", None, None, None, DANCE),
    ("a capybara in a hot spring", None, None, None, None),
    ("blorp zintak quoo", None, None, None, None),
    ("a narwhal jumping", None, None, None, JUMP),
    ("my dog Rex with a birthday hat", {"dog"}, ANY_HAT, Relation.WITH, None),
    ("a kitten sleeping", {"cat", "cat face"}, None, None, None),
    ("un chat qui danse", {"cat"}, None, None, DANCE),
    ("un chien avec un chapeau", {"dog"}, ANY_HAT, Relation.WITH, None),
    ("un perro bailando", {"dog"}, None, None, DANCE),
    ("un gato en una bicicleta", {"cat"}, {"bicycle"}, Relation.ON, None),
    ("eine Katze tanzt", {"cat"}, None, None, DANCE),
    ("ein Roboter mit einer Gitarre", {"robot"}, {"guitar"}, Relation.WITH, None),
    ("一只跳舞的熊猫", {"panda"}, None, None, DANCE),
    ("熊猫和恐龙", {"panda"}, DINOSAUR, Relation.AND, None),
    ("骑着自行车的猫", {"cat"}, {"bicycle"}, Relation.RIDING, None),
    ("踊るパンダ", {"panda"}, None, None, DANCE),
    ("猫と犬", {"cat", "cat face", "grinning cat"}, {"dog", "dog face"}, Relation.AND, None),
    ("a cat riding a bicycle", {"cat"}, {"bicycle"}, Relation.RIDING, None),
    ("a panda holding a coffee cup", {"panda"}, {"hot beverage"}, Relation.HOLDING, None),
    ("a robot and a dinosaur high-fiving", {"robot"}, DINOSAUR, Relation.AND, None),
]


@pytest.mark.parametrize("prompt, main, second, relation, motion", PROMPTS, ids=[p[0] for p in PROMPTS])
def test_twenty_prompts(prompt: str, main: set[str] | None, second: set[str] | None,
                        relation: Relation | None, motion: str | None) -> None:
    from sticker_studio.engine.generate.two_stage import pick_scene

    scene = pick_scene(prompt, size=64)
    if motion is not None:
        assert scene.reading.parts.motion == motion
    if main is None:
        assert not scene.main.confident and scene.warning is not None
        assert scene.warning.startswith(f"no library art for '{scene.main.phrase}'")
        assert len(scene.main.candidates) >= 3 and all(c.entry.label in scene.warning
                                                       for c in scene.main.candidates[:3])
        return
    assert scene.main.confident and scene.warning is None, scene.main.candidates[:3]
    assert scene.main.label in main, [(c.entry.label, round(c.score, 2)) for c in scene.main.candidates[:4]]
    if second is None:
        assert scene.second is None
    else:
        assert scene.second is not None and scene.second.label in second, scene.ignored
        assert scene.relation is relation
        assert scene.what().count(" ") >= 3  # "a cat riding a bicycle"


def test_weak_match_is_refused_by_the_cli_with_the_closest_names(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.cli import main

    out = tmp_path / "x.webp"
    assert main(["generate", "an axolotl dancing", "--size", "64", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "no library art for 'axolotl'" in err and "0: axe" in err and "--candidate" in err
    assert not out.exists()
    assert main(["generate", "an axolotl dancing", "--size", "64", "-o", str(out), "--allow-weak-match"]) == 0
    captured = capsys.readouterr()
    assert "no library art for 'axolotl'" in captured.err and out.exists()
    out.unlink()
    assert main(["generate", "an axolotl dancing", "--size", "64", "-o", str(out), "--candidate", "2"]) == 0
    assert out.exists()


def test_two_subjects_say_what_was_composed_and_left_out(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.cli import main

    out = tmp_path / "x.webp"
    assert main(["generate", "a robot and a dinosaur high-fiving", "--size", "96", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "made a robot and a" in text and "left out: high-fiving" in text


def test_composition_places_the_vehicle_under_and_the_pair_side_by_side() -> None:
    from sticker_studio.core.text.compose import compose_pair

    side = 128
    red = np.zeros((40, 40, 4), np.uint8)
    red[..., 0], red[..., 3] = 255, 255
    blue = np.zeros((20, 60, 4), np.uint8)
    blue[..., 2], blue[..., 3] = 255, 255
    riding = compose_pair(red, blue, Relation.RIDING, side)
    ys_red = np.nonzero((riding[..., 0] > 200) & (riding[..., 3] > 200))[0]
    ys_blue = np.nonzero((riding[..., 2] > 200) & (riding[..., 3] > 200))[0]
    assert ys_red.mean() < ys_blue.mean()                    # the rider above the vehicle
    assert ys_red.max() >= ys_blue.min()                      # sitting on it (overlap)
    pair = compose_pair(red, blue, Relation.AND, side)
    xs_red = np.nonzero(pair[..., 0] > 200)[1]
    xs_blue = np.nonzero(pair[..., 2] > 200)[1]
    assert xs_red.mean() < xs_blue.mean() and (pair[..., 3] > 0).mean() > 0.15  # beside, big enough to read
    holding = compose_pair(red, blue, Relation.HOLDING, side)
    assert (holding[..., 3] > 0).any() and holding.shape == (side, side, 4)


def test_reading_names_and_languages() -> None:
    assert read_prompt("my dog Rex with a birthday hat").names == ("rex",)
    assert read_prompt("A Blue Cat waving").names == ()       # a title-cased prompt has no names
    assert read_prompt("un chat qui danse").language == "fr"
    assert read_prompt("a wombat").language == "en"
    assert read_prompt("一只跳舞的熊猫").parts.words           # never "empty"


@pytest.mark.slow  # importing transformers for the reference takes ~5-9 s here
def test_numpy_minilm_matches_the_torch_encoder() -> None:
    from sticker_studio.engine.generate.minilm_numpy import embed

    texts = ["a cat waving", "axolotl"]
    vectors = embed(texts)
    assert vectors.shape == (2, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    pytest.importorskip("transformers")
    import torch

    from sticker_studio.engine.models.text_encoder import MiniLMTextEncoder

    states, mask = MiniLMTextEncoder(max_length=48).encode(texts, "cpu", torch.float32)
    m = mask.to(states.dtype)[..., None]
    pooled = torch.nn.functional.normalize((states * m).sum(1) / m.sum(1), dim=-1).numpy()
    assert np.abs(pooled - vectors).max() < 1e-5
