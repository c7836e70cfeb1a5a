"""Writes grammar.json: a recogniser for the sentences corpus.py can produce, for the page's grammatical rate.

It reads the grammar from corpus.py itself instead of restating it: every sentence shape is run once with the
random choices replaced by named slots, so a shape's f-string becomes a template such as
["$hero", " ", "$en_verbs_t.0", " ", "$a:en_adj", " ", "$en_adj", ...]. Nothing is retrained and corpus.py's
random draws are untouched (the generator never runs with a real random source here).

Run with /usr/bin/python3 scripts/model/grammar.py [out.json]   (default: public/models/logitlab-tiny/grammar.json)
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

OPEN, CLOSE = "\u27e6", "\u27e7"  # slot markers that no lexicon entry contains


class Slot(str):
    """A placeholder standing for one choice from a named list; str operations corpus.py applies are recorded."""

    def __new__(cls, name):
        return super().__new__(cls, f"{OPEN}{name}{CLOSE}")

    def rstrip(self, chars=None):
        name = self[1:-1]
        return Slot(f"{name}|rstrip:{chars}")


class SymbolicRng:
    """Stands in for random.Random inside the shapes: whole numbers become range slots."""

    def randint(self, lo, hi):
        return Slot(f"int:{lo}:{hi}")


class MeasureOf(dict):
    """ZH_MEASURE looked up with a slot: the measure word depends on which noun fills that slot."""

    def __init__(self, table):
        super().__init__(table)

    def get(self, key, default=None):
        if isinstance(key, Slot):
            return Slot(f"measure:{key[1:-1]}:{default}")
        return super().get(key, default)


def list_names():
    """Module-level lists of corpus.py by identity, named after their variable."""
    return {id(v): k.lower() for k, v in vars(corpus).items() if isinstance(v, list) and k.isupper()}


def templates_for(sentence_fn, hero_list):
    names = list_names()
    lexicon = {}
    state = {"shape": 0, "shapes": 0}

    def symbolic_pick(_rng, items):
        if items and callable(items[0]):
            state["shapes"] = len(items)
            return items[state["shape"]]
        name = names.get(id(items))
        if name is None:  # an inline list literal inside a shape
            name = "choice_" + "_".join(str(x) for x in items)
        if items and isinstance(items[0], tuple):
            parts = []
            for i in range(len(items[0])):
                lexicon[f"{name}.{i}"] = [t[i] for t in items]
                parts.append(Slot(f"{name}.{i}"))
            return tuple(parts)
        lexicon[name] = list(items)
        return Slot(name)

    def symbolic_a_an(word):
        return Slot(f"a:{word[1:-1]}") if isinstance(word, Slot) else corpus.a_an(word)

    saved = corpus.pick, corpus.a_an, corpus.ZH_MEASURE
    corpus.pick, corpus.a_an, corpus.ZH_MEASURE = symbolic_pick, symbolic_a_an, MeasureOf(corpus.ZH_MEASURE)
    out = []
    try:
        hero_name = names[id(hero_list)]
        lexicon[hero_name] = list(hero_list)
        sentence_fn(SymbolicRng(), Slot(hero_name))  # learns how many shapes there are
        for shape in range(state["shapes"]):
            state["shape"] = shape
            out.append(sentence_fn(SymbolicRng(), Slot(hero_name)))
    finally:
        corpus.pick, corpus.a_an, corpus.ZH_MEASURE = saved
    return out, lexicon


def split_template(text):
    """'⟦a⟧ and ⟦b⟧.' -> ['$a', ' and ', '$b', '.']"""
    parts, rest = [], text
    while rest:
        i = rest.find(OPEN)
        if i < 0:
            parts.append(rest)
            break
        if i > 0:
            parts.append(rest[:i])
        j = rest.index(CLOSE, i)
        parts.append("$" + rest[i + 1:j])
        rest = rest[j + 1:]
    return parts


def derived_slots(lexicon, templates):
    """Fills the lexicon entries the templates name but the lists do not hold directly (a/an, rstrip, ints)."""
    for template in templates:
        for part in template:
            if not part.startswith("$") or part[1:] in lexicon:
                continue
            name = part[1:]
            if name.startswith("a:"):
                # "a"/"an" agrees with the word after it: a slot of its own per article.
                base = name[2:]
                lexicon[name] = sorted({corpus.a_an(w) for w in lexicon[base]})
            elif "|rstrip:" in name:
                base, chars = name.split("|rstrip:")
                lexicon[name] = [w.rstrip(chars) for w in lexicon[base]]
            elif name.startswith("int:"):
                _, lo, hi = name.split(":")
                lexicon[name] = [str(n) for n in range(int(lo), int(hi) + 1)]
    return lexicon


def agree_articles(template, lexicon):
    """'$a:X', ' ', '$X' -> one slot of 'a x' / 'an x' pairs, so the article matches its word."""
    out = []
    i = 0
    while i < len(template):
        part = template[i]
        if part.startswith("$a:") and i + 2 < len(template) and template[i + 1] == " " and template[i + 2] == "$" + part[3:]:
            base = part[3:]
            name = f"article+{base}"
            lexicon[name] = [f"{corpus.a_an(w)} {w}" for w in lexicon[base]]
            out.append("$" + name)
            i += 3
            continue
        out.append(part)
        i += 1
    return out


def expand_measures(template, lexicon):
    """A measure slot fixes which nouns may fill its noun's slot: one template per measure word."""
    for k, part in enumerate(template):
        if part.startswith("$measure:"):
            _, noun_slot, default = part[1:].split(":")
            groups = {}
            for w in lexicon[noun_slot]:
                groups.setdefault(corpus.ZH_MEASURE.get(w, default), []).append(w)
            expanded = []
            for measure, nouns in sorted(groups.items()):
                sub = f"{noun_slot}[{measure}]"
                lexicon[sub] = nouns
                variant = [measure if j == k else ("$" + sub if p == "$" + noun_slot else p) for j, p in enumerate(template)]
                expanded.extend(expand_measures(variant, lexicon))
            return expanded
    return [template]


def build():
    lexicon = {}
    languages = {}
    for lang, fn, heroes in (("en", corpus.en_sentence, corpus.EN_NAMES), ("zh", corpus.zh_sentence, corpus.ZH_NAMES)):
        raw, lex = templates_for(fn, heroes)
        lexicon.update(lex)
        templates = [split_template(t) for t in raw]
        derived_slots(lexicon, templates)
        templates = [agree_articles(t, lexicon) for t in templates]
        expanded = []
        for t in templates:
            expanded.extend(expand_measures(t, lexicon))
        for (point_lang, prompt, words, _probs, tail) in corpus.TEACHING:
            if point_lang == lang:
                name = "teaching:" + prompt
                lexicon[name] = list(words)
                expanded.append([prompt, "$" + name, tail])
        languages[lang] = {"templates": expanded, "separator": " " if lang == "en" else ""}
    used = {p[1:] for lang in languages.values() for t in lang["templates"] for p in t if p.startswith("$")}
    return {
        "about": "Sentence templates of scripts/model/corpus.py over its lexicon; '$name' parts are slots. "
                 "Written by scripts/model/grammar.py.",
        "languages": languages,
        "slots": {k: lexicon[k] for k in sorted(used)},
    }


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "public/models/logitlab-tiny/grammar.json"
    grammar = build()
    out.write_text(json.dumps(grammar, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    counts = {k: len(v["templates"]) for k, v in grammar["languages"].items()}
    print(f"grammar written to {out}: templates {counts}, {len(grammar['slots'])} slots")
