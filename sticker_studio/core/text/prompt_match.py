"""Read a prompt in any bundled language: its subject(s), how they relate, its motion.

:mod:`sticker_studio.core.text.prompt_words` reads English prompts. This module adds:

* **Languages.** The prompt's language is guessed from its script (Han, kana, hangul) or,
  for Latin and Cyrillic text, from its function words and the words the locale's emoji
  annotations know (``resources/art/locales.json.xz``, CLDR names and keywords built by
  :mod:`sticker_studio.training.data.build_art_locales`). Motion words of each language map
  onto the English word that names the same motion ("danse", "bailando", "tanzt", "跳舞",
  "踊る" → "dance"), so the motion presets are chosen the same way.
* **Whole-word matching.** A subject is matched against the library's names and keywords
  as whole words (Han/kana text: as the longest known term at each position), never as
  sub-words: "axolotl" matches nothing, so retrieval can say so.
* **Two subjects.** "A riding/holding/with/wearing/and/on B" (and "avec/et/sur",
  "con/y/en", "mit/und/auf", "和/骑/拿着", "と/に乗る"...) gives a main subject, a second
  one and the :class:`Relation` between them; what the prompt says beyond that is listed
  as ignored.
* **Names.** A capitalised word after the subject ("my dog Rex") is a name, not a subject.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import ClassVar

from sticker_studio.core.text.prompt_words import (
    _ARTICLES,
    _BREAKS,
    COLOUR_WORDS,
    MOTION_WORDS,
    PromptParts,
    find_motion,
)

LOCALES_FILE = "locales.json.xz"


class Relation(Enum):
    """How a second subject sits with the main one (drives the composition)."""

    RIDING = "riding"      #: B under A (a bicycle, a skateboard, a horse)
    HOLDING = "holding"    #: B in A's hand, small, lower front
    WEARING = "wearing"    #: B on A's head (a hat, a crown)
    WITH = "with"          #: B beside A, smaller (a hat or glasses go on the head)
    AND = "and"            #: two characters side by side, the same size
    ON = "on"              #: A standing on B (B under A, like riding)


#: English connector words → relation.
EN_CONNECTORS: dict[str, Relation] = {
    "riding": Relation.RIDING, "rides": Relation.RIDING, "ride": Relation.RIDING, "driving": Relation.RIDING,
    "holding": Relation.HOLDING, "holds": Relation.HOLDING, "carrying": Relation.HOLDING,
    "hugging": Relation.HOLDING, "eating": Relation.HOLDING, "drinking": Relation.HOLDING,
    "wearing": Relation.WEARING, "wears": Relation.WEARING,
    "with": Relation.WITH, "and": Relation.AND, "&": Relation.AND, "on": Relation.ON, "onto": Relation.ON,
}

#: Per language: function words (dropped), connectors, motion words (→ an English motion word), colours.
LANG_STOPWORDS: dict[str, frozenset[str]] = {
    "fr": frozenset("un une le la les l des du de d qui que mon ma mes ton ta son sa petit petite joli jolie "
                    "mignon mignonne gros grosse en au aux dans est il elle".split()),
    "es": frozenset("un una unos unas el la los las lo del de que mi mis tu su pequeño pequeña lindo linda "
                    "está esta es al muy".split()),
    "de": frozenset("ein eine einen einem einer der die das den dem des mein meine dein sein ihr kleine "
                    "kleiner kleines kleinen süße süßer süßes niedlich niedliche ist im am zum zur".split()),
    "it": frozenset("un uno una il lo la i gli le del della di che mio mia piccolo piccola è".split()),
    "pt": frozenset("um uma o a os as do da de que meu minha pequeno pequena é está".split()),
    "nl": frozenset("een de het van mijn kleine die dat is".split()),
    "ru": frozenset("мой моя маленький маленькая милый милая который которая".split()),
}
LANG_CONNECTORS: dict[str, dict[str, Relation]] = {
    "fr": {"avec": Relation.WITH, "et": Relation.AND, "sur": Relation.ON, "tenant": Relation.HOLDING,
           "tient": Relation.HOLDING, "porte": Relation.WEARING, "portant": Relation.WEARING,
           "chevauchant": Relation.RIDING, "monte": Relation.RIDING},
    "es": {"con": Relation.WITH, "y": Relation.AND, "e": Relation.AND, "sobre": Relation.ON, "en": Relation.ON,
           "montando": Relation.RIDING, "monta": Relation.RIDING, "sosteniendo": Relation.HOLDING,
           "sostiene": Relation.HOLDING, "llevando": Relation.WEARING},
    "de": {"mit": Relation.WITH, "und": Relation.AND, "auf": Relation.ON, "hält": Relation.HOLDING,
           "haltend": Relation.HOLDING, "reitet": Relation.RIDING, "fährt": Relation.RIDING,
           "trägt": Relation.WEARING},
    "it": {"con": Relation.WITH, "e": Relation.AND, "su": Relation.ON, "sopra": Relation.ON},
    "pt": {"com": Relation.WITH, "e": Relation.AND, "sobre": Relation.ON},
    "nl": {"met": Relation.WITH, "en": Relation.AND, "op": Relation.ON},
    "ru": {"с": Relation.WITH, "со": Relation.WITH, "и": Relation.AND, "на": Relation.ON},
    "zh": {"和": Relation.AND, "与": Relation.AND, "跟": Relation.AND, "骑着": Relation.RIDING,
           "骑": Relation.RIDING, "拿着": Relation.HOLDING, "抱着": Relation.HOLDING, "戴着": Relation.WEARING,
           "在": Relation.ON},
    "ja": {"と": Relation.AND, "に乗る": Relation.RIDING, "に乗った": Relation.RIDING,
           "を持つ": Relation.HOLDING, "を持った": Relation.HOLDING, "を持っている": Relation.HOLDING},
}
#: Motion words of other languages → the English word that names the same motion.
LANG_MOTION: dict[str, dict[str, str]] = {
    "fr": {"danse": "dance", "dansent": "dance", "dansant": "dance", "danser": "dance", "saute": "jump",
           "sautant": "jump", "sauter": "jump", "salue": "waving", "saluant": "waving", "tourne": "spin",
           "tournant": "spin", "flotte": "float", "flottant": "float", "vole": "fly", "volant": "fly",
           "dort": "sleep", "dormant": "sleep", "tremble": "shake", "tremblant": "shake", "rebondit": "bounce",
           "bat": "beat", "battant": "beat", "fête": "celebrate", "clignote": "blink", "brille": "shine"},
    "es": {"baila": "dance", "bailando": "dance", "bailar": "dance", "salta": "jump", "saltando": "jump",
           "saluda": "waving", "saludando": "waving", "gira": "spin", "girando": "spin", "flota": "float",
           "flotando": "float", "vuela": "fly", "volando": "fly", "duerme": "sleep", "durmiendo": "sleep",
           "tiembla": "shake", "temblando": "shake", "rebota": "bounce", "rebotando": "bounce",
           "late": "beat", "latiendo": "beat", "celebra": "celebrate", "celebrando": "celebrate",
           "brilla": "shine", "brillando": "shine"},
    "de": {"tanzt": "dance", "tanzend": "dance", "tanzende": "dance", "tanzender": "dance", "tanzen": "dance",
           "springt": "jump", "springend": "jump", "hüpft": "bounce", "hüpfend": "bounce", "winkt": "waving",
           "winkend": "waving", "dreht": "spin", "drehend": "spin", "schwebt": "float", "schwebend": "float",
           "fliegt": "fly", "fliegend": "fly", "schläft": "sleep", "schlafend": "sleep", "zittert": "shake",
           "zitternd": "shake", "schlägt": "beat", "feiert": "celebrate", "leuchtet": "glow"},
    "it": {"balla": "dance", "ballando": "dance", "salta": "jump", "saltando": "jump", "saluta": "waving",
           "gira": "spin", "vola": "fly", "dorme": "sleep", "trema": "shake"},
    "pt": {"dança": "dance", "dançando": "dance", "pula": "jump", "pulando": "jump", "acenando": "waving",
           "gira": "spin", "voa": "fly", "voando": "fly", "dorme": "sleep", "dormindo": "sleep"},
    "nl": {"danst": "dance", "dansend": "dance", "springt": "jump", "zwaait": "waving", "draait": "spin",
           "vliegt": "fly", "slaapt": "sleep"},
    "ru": {"танцует": "dance", "танцующий": "dance", "танцующая": "dance", "танцуют": "dance",
           "прыгает": "jump", "машет": "waving", "летит": "fly", "спит": "sleep", "крутится": "spin",
           "дрожит": "shake"},
    "ko": {"춤추는": "dance", "춤추다": "dance", "춤": "dance", "점프": "jump", "손을": "waving",
           "흔드는": "waving", "자는": "sleep"},
    "zh": {"跳舞": "dance", "舞蹈": "dance", "跳跃": "jump", "跳": "jump", "挥手": "waving", "招手": "waving",
           "旋转": "spin", "转圈": "spin", "漂浮": "float", "飘": "float", "飞": "fly", "飞翔": "fly",
           "睡觉": "sleep", "发抖": "shake", "颤抖": "shake", "弹跳": "bounce", "心跳": "heartbeat",
           "庆祝": "celebrate", "闪烁": "blink", "点头": "nod", "摇头": "no"},
    "ja": {"踊る": "dance", "踊っている": "dance", "踊り": "dance", "ダンス": "dance", "ジャンプ": "jump",
           "跳ぶ": "jump", "手を振る": "waving", "手を振っている": "waving", "回る": "spin", "回転": "spin",
           "浮かぶ": "float", "飛ぶ": "fly", "寝る": "sleep", "眠る": "sleep", "震える": "shake",
           "跳ねる": "bounce", "祝う": "celebrate", "光る": "glow", "うなずく": "nod"},
}
#: Feelings the character motions show (sleepy, cry, angry, love): the English word each maps to is
#: one of ``engine/generate/character_motion.CHARACTER_WORDS``' ("眠い猫" is a sleepy cat, not a face).
LANG_FEELINGS: dict[str, dict[str, str]] = {
    "fr": {"pleure": "crying", "pleurant": "crying", "triste": "sad", "endormi": "sleepy", "endormie": "sleepy",
           "somnolent": "sleepy", "somnolente": "sleepy", "fatigué": "tired", "fatiguée": "tired",
           "amoureux": "lovestruck", "amoureuse": "lovestruck", "fâché": "angry", "fâchée": "angry"},
    "es": {"llora": "crying", "llorando": "crying", "triste": "sad", "dormido": "sleepy", "dormida": "sleepy",
           "somnoliento": "sleepy", "somnolienta": "sleepy", "cansado": "tired", "cansada": "tired",
           "enamorado": "lovestruck", "enamorada": "lovestruck", "enojado": "angry", "enojada": "angry",
           "enfadado": "angry", "enfadada": "angry"},
    "de": {"weint": "crying", "weinend": "crying", "weinende": "crying", "weinender": "crying",
           "weinendes": "crying", "traurig": "sad", "traurige": "sad", "trauriger": "sad", "trauriges": "sad",
           "müde": "sleepy", "müder": "sleepy", "müdes": "sleepy", "schläfrig": "sleepy", "schläfrige": "sleepy",
           "schläfriger": "sleepy", "verliebt": "lovestruck", "verliebte": "lovestruck", "verliebter": "lovestruck",
           "wütend": "angry", "wütende": "angry", "wütender": "angry"},
    "zh": {"哭泣": "crying", "哭": "crying", "伤心": "sad", "难过": "sad", "犯困": "sleepy", "困倦": "sleepy",
           "打瞌睡": "sleepy", "瞌睡": "sleepy", "生气": "angry", "愤怒": "angry", "恋爱": "lovestruck",
           "恋爱中": "lovestruck"},
    "ja": {"眠い": "sleepy", "眠そうな": "sleepy", "泣いている": "crying", "泣いてる": "crying", "泣く": "crying",
           "悲しい": "sad", "怒っている": "angry", "怒った": "angry", "怒る": "angry", "恋する": "lovestruck",
           "恋している": "lovestruck"},
}
for _lang, _words in LANG_FEELINGS.items():
    LANG_MOTION[_lang].update(_words)

LANG_COLOURS: dict[str, dict[str, str]] = {
    "fr": {"rouge": "red", "bleu": "blue", "bleue": "blue", "vert": "green", "verte": "green", "jaune": "yellow",
           "rose": "pink", "violet": "purple", "noir": "black", "noire": "black", "blanc": "white",
           "blanche": "white", "orange": "orange", "gris": "grey", "grise": "grey", "doré": "gold"},
    "es": {"rojo": "red", "roja": "red", "azul": "blue", "verde": "green", "amarillo": "yellow",
           "amarilla": "yellow", "rosa": "pink", "morado": "purple", "negro": "black", "negra": "black",
           "blanco": "white", "blanca": "white", "naranja": "orange", "gris": "grey", "dorado": "gold"},
    "de": {"rot": "red", "rote": "red", "roter": "red", "rotes": "red", "blau": "blue", "blaue": "blue",
           "blauer": "blue", "blaues": "blue", "grün": "green", "grüne": "green", "gelb": "yellow",
           "gelbe": "yellow", "rosa": "pink", "lila": "purple", "schwarz": "black", "schwarze": "black",
           "weiß": "white", "weiße": "white", "orange": "orange", "grau": "grey", "golden": "gold"},
    "zh": {"红色": "red", "红": "red", "蓝色": "blue", "蓝": "blue", "绿色": "green", "黄色": "yellow",
           "粉色": "pink", "紫色": "purple", "黑色": "black", "白色": "white", "橙色": "orange", "金色": "gold"},
    "ja": {"赤い": "red", "青い": "blue", "緑の": "green", "黄色い": "yellow", "ピンクの": "pink",
           "黒い": "black", "白い": "white", "金色の": "gold"},
}
#: Han/kana filler that carries no subject ("a", "of", measure words, particles).
CJK_FILLER: dict[str, frozenset[str]] = {
    "zh": frozenset("一只 一个 一条 一头 一匹 一辆 两只 只 个 的 着 在 正在 地 了 很 小 可爱的 我的 一".split()),
    "ja": frozenset("の が は を に で 一匹の 一つの かわいい 小さな 私の している いる て た".split()),
    "ko": frozenset("한 마리 의 이 가 은 는 을 를".split()),
}
#: Prop words (English and the locales' words map through the entry) that go on the head with "with".
HEADWEAR = frozenset({"hat", "cap", "crown", "helmet", "glasses", "sunglasses", "bow", "ribbon", "tophat",
                      "graduation", "party", "beret", "bonnet", "hut", "mütze", "gorro", "sombrero", "chapeau",
                      "帽子", "眼镜", "皇冠", "王冠", "メガネ"})

#: Head words that name a container or a portion: the word before them is the subject ("coffee cup").
CONTAINER_WORDS = frozenset({"cup", "mug", "glass", "bottle", "bowl", "plate", "slice", "piece", "box", "bag", "jar",
                             "can", "tasse", "taza", "tazza", "becher", "glas", "verre", "vaso"})

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*|&")
_CAPITAL_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_EN_MOTION_WORDS = frozenset(w for words in MOTION_WORDS.values() for w in words)


def _is_cjk(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HANGUL")) or ch in "ー々"


def script_language(text: str) -> str | None:
    """"ja" for kana, "ko" for hangul, "zh" for Han alone; None for other scripts."""
    names = [unicodedata.name(ch, "") for ch in text]
    if any(n.startswith(("HIRAGANA", "KATAKANA")) for n in names):
        return "ja"
    if any(n.startswith("HANGUL") for n in names):
        return "ko"
    if any(n.startswith("CJK") for n in names):
        return "zh"
    return None


def fold(word: str) -> str:
    """Lower case without accents ("vélo" → "velo", "Katze" → "katze") for forgiving lookups."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ß", "ss")


def singular_forms(word: str, language: str) -> list[str]:
    """The word and its likely singulars (cats → cat, puppies → puppy, chats → chat, Katzen → Katze)."""
    forms = [word]
    if language in ("en", "fr", "es", "pt", "it", "nl"):
        if word.endswith("ies") and len(word) > 4:
            forms.append(word[:-3] + "y")
        if word.endswith("es") and len(word) > 4:
            forms.append(word[:-2])
        if word.endswith(("s", "x")) and not word.endswith(("ss", "us", "is")) and len(word) > 3:
            forms.append(word[:-1])
    if language == "de" and len(word) > 4:
        forms += [word[:-1], word[:-2]] if word.endswith("en") else [word[:-1]] if word.endswith(("n", "e")) else []
    return forms


@dataclass(frozen=True)
class LexicalHit:
    """A library entry a subject phrase names, and how surely (1 = its name exactly)."""

    index: int
    confidence: float
    term: str


class Lexicon:
    """Whole-word names and keywords of every library entry, per language.

    :meth:`table` (built per language on first use); English from the index's labels and
    tags, the others from ``locales.json.xz``.
    """

    _cache: ClassVar[dict[str, Lexicon]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, keys: list[str], en: list[tuple[str, tuple[str, ...]]],
                 locales: dict[str, dict[str, list[str]]]) -> None:
        self._keys = keys
        self._sources: dict[str, list[tuple[int, str, tuple[str, ...]]]] = {
            "en": [(i, label, tags) for i, (label, tags) in enumerate(en)]}
        position = {key: i for i, key in enumerate(keys)}
        for lang, rows in locales.items():
            self._sources[lang] = [(position[key], words[0], tuple(words[1:]))
                                   for key, words in rows.items() if key in position and words]
        self._tables: dict[str, dict[str, list[tuple[int, bool]]]] = {}
        self._label_words: dict[str, dict[str, list[tuple[int, bool]]]] = {}
        self._build_lock = threading.Lock()
        self.max_cjk_term = 8

    def table(self, lang: str) -> dict[str, list[tuple[int, bool]]]:
        """Folded name/keyword → [(entry index, is the name)] for ``lang`` (built on first use)."""
        table = self._tables.get(lang)
        if table is not None:
            return table
        with self._build_lock:
            if lang not in self._tables:
                built: dict[str, list[tuple[int, bool]]] = {}
                words: dict[str, list[tuple[int, bool]]] = {}
                for i, label, tags in self._sources.get(lang, ()):
                    for term, is_label in [(label, True)] + [(t, False) for t in tags]:
                        key = fold(term)
                        if key and (i, is_label) not in built.setdefault(key, []):
                            built[key].append((i, is_label))
                    parts = fold(label).replace("-", " ").split()
                    for k, part in enumerate(parts):  # (entry, the name's last word?) per word of a name
                        words.setdefault(part, []).append((i, k == len(parts) - 1))
                self._label_words[lang] = words
                self._tables[lang] = built
        return self._tables[lang]

    def label_words(self, lang: str) -> dict[str, list[tuple[int, bool]]]:
        self.table(lang)
        return self._label_words[lang]

    @classmethod
    def load(cls, folder: Path, keys: list[str], en: list[tuple[str, tuple[str, ...]]]) -> Lexicon:
        from sticker_studio.core.text.art_library import read_xz_json

        cache_key = str(Path(folder).resolve())
        with cls._lock:
            lexicon = cls._cache.get(cache_key)
            if lexicon is None:
                path = Path(folder) / LOCALES_FILE
                locales = read_xz_json(path)["locales"] if path.is_file() else {}
                lexicon = cls._cache[cache_key] = cls(keys, en, locales)
        return lexicon

    @property
    def languages(self) -> list[str]:
        return list(self._sources)

    def knows(self, lang: str, word: str) -> bool:
        table = self.table(lang)
        return any(fold(form) in table for form in singular_forms(word, lang))

    def lookup(self, words: list[str], lang: str) -> list[LexicalHit]:
        """Entries a phrase's words name, best first.

        The whole phrase as a name (1.0) or keyword (0.9); its head noun (the last word;
        the one before a container word: "coffee cup", "pizza slice") as a name (0.9), the
        last word of a name (0.85: "hat" of "top hat"; another word of it 0.66, under any keyword: "bunny" names a
        rabbit, not "people with bunny ears") or a keyword (0.8); another word as a
        name (0.7), a word of a name (0.65) or a keyword (0.6). Keywords many entries
        share lose up to 0.12 ("face", "animal"). Word forms: the word and its singulars.
        """
        table = self.table(lang)
        best: dict[int, LexicalHit] = {}

        def offer(term: str, i: int, confidence: float) -> None:
            if i not in best or best[i].confidence < confidence:
                best[i] = LexicalHit(i, confidence, term)

        def spread(hits: list[tuple[int, bool]] | tuple[()]) -> float:
            return min(0.12, math.log2(max(1, sum(1 for _, lab in hits if not lab))) * 0.03)

        phrase = " ".join(words)
        for form in dict.fromkeys([phrase, *(singular_forms(phrase, lang) if len(words) == 1 else [])]):
            hits = table.get(fold(form), ())
            for i, is_label in hits:
                offer(form, i, 1.0 if is_label else 0.9 - spread(hits))
        order = list(reversed(words))
        if len(order) > 1 and fold(order[0]) in CONTAINER_WORDS:
            order = order[1:] + order[:1]
        label_words = self.label_words(lang)
        for position, word in enumerate(order):
            head = position == 0
            for form in singular_forms(word, lang):
                hits = table.get(fold(form), ())
                for i, is_label in hits:
                    offer(form, i, (0.9 if head else 0.7) if is_label else (0.8 if head else 0.6) - spread(hits))
                for i, last in label_words.get(fold(form), ()):  # the name's own head noun counts more
                    at_end = last or lang in ("zh", "zh-hant", "ja", "ko")
                    offer(form, i, (0.85 if at_end else 0.66) if head else 0.65)
        return sorted(best.values(), key=lambda h: (-h.confidence, h.index))

    def segment_cjk(self, text: str, lang: str) -> list[str]:
        """Han/kana text cut into the longest known terms (filler, motion, connectors, names)."""
        known: set[str] = set(CJK_FILLER.get(lang, ())) | set(LANG_MOTION.get(lang, ())) | set(
            LANG_CONNECTORS.get(lang, ())) | set(LANG_COLOURS.get(lang, ()))
        tables = [self.table(lang)] + ([self.table("zh-hant")] if lang == "zh" else [])
        longest = max([len(k) for k in known] + [self.max_cjk_term])
        out: list[str] = []
        i = 0
        while i < len(text):
            if not _is_cjk(text[i]):
                j = i
                while j < len(text) and not _is_cjk(text[j]):
                    j += 1
                out += [w for w in _WORD.findall(text[i:j].lower())]
                i = j
                continue
            for n in range(min(longest, len(text) - i), 0, -1):
                piece = text[i:i + n]
                if piece in known or any(fold(piece) in t for t in tables):
                    out.append(piece)
                    i += n
                    break
            else:
                out.append(text[i])
                i += 1
        return out


@dataclass(frozen=True)
class PromptReading:
    """What a prompt asks for, in any bundled language."""

    parts: PromptParts                    #: motion and colour (English names), words, the main subject phrase
    language: str                         #: "en", "fr", "zh", ...
    subjects: tuple[tuple[str, ...], ...]  #: the main subject's words, then the second's (if any)
    relation: Relation | None = None
    ignored: tuple[str, ...] = ()          #: words the sticker does not show (names, scenes, unknown verbs)
    names: tuple[str, ...] = field(default=())  #: proper names dropped from the subject ("Rex")

    @property
    def subject_text(self) -> str:
        return " ".join(self.subjects[0]) if self.subjects else ""


def _guess_language(words: list[str], lexicon: Lexicon | None) -> str:
    """The Latin/Cyrillic-script language whose function, motion and subject words the prompt uses most."""
    scores: dict[str, float] = {"en": 0.5}
    en_known = set(_ARTICLES) | set(_BREAKS) | set(COLOUR_WORDS) | _EN_MOTION_WORDS
    scores["en"] += sum(1.0 for w in words if w in en_known)
    for lang in set(LANG_STOPWORDS) | set(LANG_MOTION):
        own = LANG_STOPWORDS.get(lang, frozenset()) | set(LANG_MOTION.get(lang, {})) | set(
            LANG_CONNECTORS.get(lang, {})) | set(LANG_COLOURS.get(lang, {}))
        scores[lang] = sum(1.0 for w in words if w in own)
    if lexicon is not None:  # subject words count only for languages whose function/motion words appear
        for lang in [lang for lang in scores if scores[lang] > 0]:
            if lang in lexicon.languages:
                scores[lang] += 0.6 * sum(1 for w in words if len(w) > 2 and w not in en_known
                                          and lexicon.knows(lang, w))
    if any(c in "абвгдежзийклмнопрстуфхцчшщъыьэюя" for w in words for c in w):
        return "ru"
    return max(scores, key=lambda lang: (scores[lang], lang == "en"))


def _capitalised_names(prompt: str) -> set[str]:
    """Words written with a capital after the first word ("Rex" in "my dog Rex"), lower-cased."""
    raw = _CAPITAL_WORD.findall(prompt)
    if len(raw) < 2 or all(w[:1].isupper() for w in raw):
        return set()
    return {w.lower() for w in raw[1:] if w[:1].isupper() and not w.isupper()}


def read_prompt(prompt: str, lexicon: Lexicon | None = None) -> PromptReading:
    """Subject(s), relation, motion and colour of a prompt in any bundled language."""
    lang = script_language(prompt)
    if lang is not None and lexicon is not None:
        words = lexicon.segment_cjk(prompt, lang)
    else:
        words = _WORD.findall(prompt.lower())
        lang = lang or _guess_language(words, lexicon)
    names = _capitalised_names(prompt) if lang in ("en", "fr", "es", "it", "pt", "nl") else set()
    if lang == "en":
        connectors: dict[str, Relation] = EN_CONNECTORS
        stop = set(_ARTICLES)
        colours = COLOUR_WORDS
        breaks = set(_BREAKS) - set(EN_CONNECTORS)
        translated = list(words)
    else:
        connectors = LANG_CONNECTORS.get(lang, {})
        stop = set(LANG_STOPWORDS.get(lang, frozenset())) | set(CJK_FILLER.get(lang, frozenset()))
        colours = LANG_COLOURS.get(lang, {})
        breaks = set()
        translated = [LANG_MOTION.get(lang, {}).get(w, w) for w in words]
    motion, motion_word, motion_idx = find_motion(translated)
    if lang != "en" and motion_word is not None:
        motion_word = next(words[i] for i in sorted(motion_idx))
    colour: str | None = None
    groups: list[list[str]] = [[]]
    relation: Relation | None = None
    ignored: list[str] = []
    dropped: list[str] = []
    for i, word in enumerate(words):
        if i in motion_idx:
            continue
        if word in colours:
            colour = colour or colours[word]
            continue
        if word in connectors and groups[0] and relation is None:
            relation = connectors[word]
            groups.append([])
            continue
        if word in connectors and relation is not None and groups[-1]:
            ignored += [w for w in words[i:] if w not in stop]
            break
        if lang in ("zh", "ja") and word in connectors and not groups[0] and relation is None:
            relation = connectors[word]  # "骑着自行车的猫": the prop comes first, the subject after 的
            groups = [[], []]
            continue
        if word in stop:
            continue
        if word in names and groups[-1]:
            dropped.append(word)
            continue
        if word in breaks or (lang == "en" and word.endswith("ing") and len(word) > 5 and groups[-1]):
            if relation is None and len(groups) == 1 and groups[0]:
                ignored += [w for w in words[i:] if w not in stop and w not in breaks]
                break
            if len(groups) > 1 and groups[-1]:
                ignored += [w for w in words[i:] if w not in stop and w not in breaks]
                break
            continue
        if lang in ("zh", "ja") and lexicon is not None and not lexicon.knows(lang, word) and len(word) == 1:
            ignored.append(word)
            continue
        groups[-1].append(word)
    if lang in ("zh", "ja") and len(groups) == 2 and not groups[0] and groups[1]:
        # "骑着自行车的猫": [] riding [自行车, 猫] → the last term is the subject, the rest the prop
        groups = [groups[1][-1:], groups[1][:-1]]
    subjects = tuple(tuple(g) for g in groups if g)
    if len(subjects) < 2:
        relation = None
    ignored = [w for w in ignored if w not in _EN_MOTION_WORDS]
    main = " ".join(subjects[0]) if subjects else ""
    without = " ".join(w for i, w in enumerate(words) if i not in motion_idx)
    from sticker_studio.core.text.prompt_words import DEFAULT_MOTION

    parts = PromptParts(prompt=prompt, words=tuple(words), subject=main, colour=colour,
                        motion=motion or DEFAULT_MOTION, motion_word=motion_word, without_motion=without)
    return PromptReading(parts, lang, subjects, relation, tuple(ignored), tuple(dropped))
