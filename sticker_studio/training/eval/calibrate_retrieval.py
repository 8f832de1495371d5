"""Figures behind the text → sticker match threshold (``MATCH_THRESHOLD``).

    python -m sticker_studio.training.eval.calibrate_retrieval

Scores three sets of subject words with the shipped scorer
(:meth:`sticker_studio.engine.generate.art_retrieval.ArtIndex.phrase_scores`): words the library
has under another name (synonyms: right when the best entry is one of the listed ones),
the same words where the best entry is not (wrong), and subjects the library does not
have (missing). Prints each best confidence and, for every threshold, how many right
matches would be kept and how many wrong/missing ones shown as confident. Exact names
(confidence 1.0) are left out: they pass any threshold.
"""

from __future__ import annotations

import numpy as np

#: subject words → the entries that are right for them (names and keywords that differ from the words).
SYNONYMS: dict[str, str] = {
    "kitty": "cat|cat face", "puppy": "dog|dog face", "doggo": "dog|dog face", "bunny": "rabbit|rabbit face",
    "sedan": "automobile|oncoming automobile|racing car", "sneaker": "running shoe", "pooch": "dog|dog face",
    "kitten": "cat|cat face", "pup": "dog|dog face", "dinosaur": "T-Rex|sauropod", "tyrannosaurus": "T-Rex",
    "sea turtle": "turtle", "lion cub": "lion|lion face", "grizzly": "bear", "teddy": "teddy bear",
    "spaceship": "rocket|flying saucer", "ufo": "flying saucer", "pizza slice": "pizza", "donut": "doughnut",
    "motorbike": "motorcycle|motor scooter", "bike": "bicycle", "aeroplane": "airplane", "plane": "airplane",
    "kitty cat": "cat|cat face", "hound": "dog|dog face|guide dog", "stallion": "horse|horse face",
    "pony": "horse|horse face|unicorn", "burger": "hamburger", "fries": "french fries", "soda": "cup with straw",
    "flower": "blossom|cherry blossom|hibiscus|tulip|rose|sunflower|white flower", "coffee cup": "hot beverage",
    "coffee": "hot beverage", "hat": "top hat|woman’s hat|billed cap", "birthday hat": "top hat|partying face",
    "heart": "red heart|beating heart|growing heart", "car": "automobile|racing car|police car",
    "tree": "deciduous tree|evergreen tree|palm tree|Christmas tree", "moon": "crescent moon|full moon|new moon",
    "bug": "bug|lady beetle|beetle|ant", "shades": "sunglasses", "cellphone": "mobile phone",
    "alpaca": "llama", "hedgehog friend": "hedgehog", "froggy": "frog", "sub sandwich": "sandwich",
    "grasshopper": "cricket", "raccoon dog": "raccoon",
}
#: subjects the bundled library does not have.
MISSING: tuple[str, ...] = (
    "axolotl", "capybara", "platypus", "narwhal", "wombat", "quokka", "ferret", "blorp", "zintak quoo", "meerkat",
    "pangolin", "armadillo", "lemur", "chinchilla", "iguana", "tapir", "manatee", "okapi", "aardvark", "gerbil",
    "walrus", "xylophone player", "lightsaber", "smartwatch", "drone", "toaster", "vacuum cleaner",
    "fidget spinner", "blender", "asdfgh", "qwerty", "flibbertigibbet", "trombonist", "harmonica", "ukulele",
    "bagpipes", "jellybean", "wizard hat", "seahorse", "starfish", "stingray", "pelican", "hyena", "cheetah",
    "okapi calf", "toucan", "mongoose", "marmoset", "dodo bird",
)


def best(index: object, words: str) -> tuple[str, float]:
    scores = index.phrase_scores(tuple(words.split()), "en")  # type: ignore[attr-defined]
    i = int(np.argmax(scores))
    return index.library.entries[i].label, float(min(1.0, scores[i]))  # type: ignore[attr-defined]


def main() -> int:
    from sticker_studio.engine.generate.art_retrieval import MATCH_THRESHOLD, ArtIndex

    index = ArtIndex.load()
    right: list[float] = []
    wrong: list[float] = []
    missing: list[float] = []
    for words, ok in SYNONYMS.items():
        label, score = best(index, words)
        good = label in ok.split("|")
        (right if good else wrong).append(score)
        print(f"{'right' if good else 'WRONG'}  {words!r:22} -> {label} {score:.3f}")
    for words in MISSING:
        label, score = best(index, words)
        missing.append(score)
        print(f"miss   {words!r:22} -> {label} {score:.3f}")
    print(f"\nright {len(right)}, wrong {len(wrong)}, missing {len(missing)}")
    print("threshold  right kept  wrong shown  missing shown")
    for t in np.arange(0.55, 0.86, 0.025):
        print(f"  {t:.3f}    {sum(s >= t for s in right):3d}/{len(right)}      {sum(s >= t for s in wrong):3d}/"
              f"{len(wrong)}        {sum(s >= t for s in missing):3d}/{len(missing)}")
    print(f"shipped MATCH_THRESHOLD = {MATCH_THRESHOLD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
