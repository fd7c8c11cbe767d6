"""Corpus: real English (WordNet glosses/examples, fortunes) + generated task families + a made-up world.

Families
  open      open-ended notes ("Tell me about X"): many valid answers with long-range structure
            (register -> stance -> 3 aspects in some order -> closing that names the first two aspects and the stance)
  arith     two-operand arithmetic (checkable)
  lists     list manipulation (checkable)
  facts     questions about the made-up world (checkable)
  define    WordNet definitions (real English, checkable by lookup; training only)

Every family has a training prompt set and a held-out prompt set (deterministic split by hashing).
reward() is the fixed "reward model": correctness for checkable answers plus a graded preference over the many
valid answers (register, stance, aspect order, phrasing per slot); it never sees the sampler.
"""
import glob
import hashlib
import json
import os
import random
import re

# ---------------------------------------------------------------- made-up world
KINDS = ["town", "creature", "dish", "instrument"]
KIND_NOUN = {"town": "town", "creature": "creature", "dish": "dish", "instrument": "instrument"}
PEOPLE = ["Arno", "Bela", "Corin", "Dasha", "Emet", "Falk", "Greta", "Hollis", "Ilse", "Joram", "Kira", "Lenno",
          "Mira", "Nils", "Orla", "Pavel", "Quill", "Runa", "Sten", "Tova"]
RIVERS = ["the Amber", "the Bright", "the Coldwater", "the Dunn", "the Elk", "the Fennel", "the Grey", "the Hollow"]
GOODS = ["salt", "wool", "glass", "copper", "honey", "timber", "paper", "linen", "cheese", "rope"]
MONTHS = ["March", "April", "May", "June", "July", "August", "September", "October"]
COLORS = ["red", "blue", "green", "yellow", "grey", "white", "black", "orange"]
HABITATS = ["the marsh", "the forest", "the dunes", "the caves", "the meadows", "the cliffs", "the lakes"]
FOODS = ["berries", "beetles", "seeds", "fish", "roots", "moss", "snails"]
SOUNDS = ["a soft hum", "a sharp whistle", "a low croak", "a quick chirp", "a deep boom", "a slow click"]
INGREDIENTS = ["lentils", "barley", "plums", "leeks", "mushrooms", "chestnuts", "turnips", "apples"]
METHODS = ["baked", "boiled", "fried", "steamed", "roasted", "smoked"]
SIDES = ["bread", "rice", "pickles", "yogurt", "greens", "dumplings"]
MATERIALS = ["oak", "bone", "brass", "cane", "clay", "maple", "silver"]
OCCASIONS = ["weddings", "harvest fairs", "funerals", "markets", "winter nights", "boat races"]
TRI = {  # the attribute that decides the preferred stance: value index 0 -> good, 1 -> mixed, 2 -> poor
    "town": ("weather", ["sunny", "foggy", "rainy"]),
    "creature": ("size", ["small", "middling", "huge"]),
    "dish": ("taste", ["sweet", "salty", "bitter"]),
    "instrument": ("tone", ["bright", "dull", "shrill"]),
}
ASPECTS = {
    "town": ["history", "river", "trade", "people", "festival", "weather"],
    "creature": ["color", "home", "diet", "size", "call", "lifespan"],
    "dish": ["ingredients", "origin", "taste", "season", "cooking", "sides"],
    "instrument": ["material", "maker", "tone", "occasions", "strings", "age"],
}
# fact clauses (register neutral), two phrasings each; {N} is the entity name
CLAUSES = {
    "town": {
        "history": ["it was founded by {founder}", "{founder} founded {N} long ago"],
        "river": ["the river {river} runs through it", "{N} sits on the banks of {river}"],
        "trade": ["it is known for its {export}", "the town sells {export} to its neighbours"],
        "people": ["about {pop} thousand people live there", "its people number about {pop} thousand"],
        "festival": ["its great festival falls in {month}", "{N} holds a festival every {month}"],
        "weather": ["the weather there is mostly {weather}", "most days in {N} are {weather}"],
    },
    "creature": {
        "color": ["its fur is {color}", "{N} has a {color} coat"],
        "home": ["it lives in {habitat}", "you can find {N} in {habitat}"],
        "diet": ["it feeds on {food}", "{N} eats mostly {food}"],
        "size": ["it is {size} for its kind", "{N} grows {size}"],
        "call": ["its call is {sound}", "{N} makes {sound}"],
        "lifespan": ["it lives about {years} years", "{N} can reach {years} years of age"],
    },
    "dish": {
        "ingredients": ["it is made from {ingredient}", "the main part of {N} is {ingredient}"],
        "origin": ["it comes from {origin}", "cooks in {origin} first made {N}"],
        "taste": ["it tastes {taste}", "the flavour of {N} is {taste}"],
        "season": ["people eat it in {month}", "{N} is a dish for {month}"],
        "cooking": ["it is {method} slowly", "cooks prepare {N} {method}"],
        "sides": ["it is served with {side}", "{N} comes with {side} on the side"],
    },
    "instrument": {
        "material": ["it is carved from {material}", "the body of {N} is {material}"],
        "maker": ["makers in {origin} build it", "{N} is made in {origin}"],
        "tone": ["its tone is {tone}", "{N} sounds {tone}"],
        "occasions": ["people play it at {occasion}", "{N} is heard at {occasion}"],
        "strings": ["it has {strings} strings", "{N} carries {strings} strings"],
        "age": ["it is about {years} years old as a craft", "{N} has been played for {years} years"],
    },
}
FACT_QUESTIONS = {  # aspect -> (question, answer templates)
    "town": {"history": ("Who founded {N}?", ["{founder} founded {N}.", "It was {founder}.", "The founder was {founder}."]),
             "river": ("Which river runs through {N}?", ["{river} runs through {N}.", "It is {river}.", "The river is {river}."]),
             "trade": ("What is {N} known for?", ["{N} is known for its {export}.", "It is {export}.", "Its {export}."]),
             "festival": ("When is the festival of {N}?", ["The festival of {N} is in {month}.", "It is in {month}.", "In {month}."]),
             "weather": ("What is the weather like in {N}?", ["The weather in {N} is mostly {weather}.", "It is mostly {weather}.", "Mostly {weather}."])},
    "creature": {"color": ("What color is {N}?", ["{N} is {color}.", "It is {color}.", "{color}."]),
                 "home": ("Where does {N} live?", ["{N} lives in {habitat}.", "It lives in {habitat}.", "In {habitat}."]),
                 "diet": ("What does {N} eat?", ["{N} eats {food}.", "It eats {food}.", "Mostly {food}."]),
                 "size": ("How big is {N}?", ["{N} is {size}.", "It is {size}.", "{size}."])},
    "dish": {"ingredients": ("What is {N} made from?", ["{N} is made from {ingredient}.", "It is made from {ingredient}.", "From {ingredient}."]),
             "origin": ("Where does {N} come from?", ["{N} comes from {origin}.", "It comes from {origin}.", "From {origin}."]),
             "taste": ("How does {N} taste?", ["{N} tastes {taste}.", "It tastes {taste}.", "{taste}."])},
    "instrument": {"material": ("What is {N} made of?", ["{N} is made of {material}.", "It is made of {material}.", "Of {material}."]),
                   "tone": ("How does {N} sound?", ["{N} sounds {tone}.", "It sounds {tone}.", "{tone}."]),
                   "strings": ("How many strings does {N} have?", ["{N} has {strings} strings.", "It has {strings} strings.", "{strings}."])},
}

REGISTERS = ["plain", "formal", "warm", "terse"]
OPENINGS = {
    "plain": ["Here is a short note on {N}.", "This is a note about {N}."],
    "formal": ["The following note concerns {N}, {AK} of the valley.", "What follows is an account of {N}, {AK} of the valley."],
    "warm": ["Oh, I am so happy to tell you about {N}!", "What a lovely thing to ask about: {N}!"],
    "terse": ["{N}: notes.", "Notes on {N}."],
}
STANCE_FRAMES = {
    "plain": ["I think it is {S}.", "In my view it is {S}."],
    "formal": ["On balance, one may call it {S}.", "It can fairly be described as {S}."],
    "warm": ["Honestly, I find it {S}!", "To me it feels {S}!"],
    "terse": ["Verdict: {S}.", "Rating: {S}."],
}
STANCES = ["good", "mixed", "poor"]
STANCE_WORDS = {
    "plain": {"good": ["good", "nice"], "mixed": ["so-so", "okay"], "poor": ["bad", "weak"]},
    "formal": {"good": ["admirable", "excellent"], "mixed": ["uneven", "moderate"], "poor": ["deficient", "inferior"]},
    "warm": {"good": ["wonderful", "delightful"], "mixed": ["bittersweet", "a bit of both"], "poor": ["sad", "disappointing"]},
    "terse": {"good": ["high", "strong"], "mixed": ["medium", "fair"], "poor": ["low", "poor"]},
}
CONNECTORS = {
    "plain": [["First,", "To start,"], ["Also,", "Next,"], ["Last,", "Lastly,"]],
    "formal": [["To begin with,", "In the first place,"], ["Furthermore,", "Moreover,"], ["Finally,", "Lastly, and not least,"]],
    "warm": [["So,", "Well,"], ["And guess what,", "Plus,"], ["And best of all,", "Oh, and"]],
    "terse": [["1)", "One:"], ["2)", "Two:"], ["3)", "Three:"]],
}
EVALS = {
    "plain": {"good": [", which is nice", ", and that is good"], "mixed": [", which is fine I guess", ", and that is okay"],
              "poor": [", which is not great", ", and that is a shame"]},
    "formal": {"good": [", a notable merit", ", which is commendable"], "mixed": [", a matter of some debate", ", which is neither here nor there"],
               "poor": [", a regrettable fact", ", which is a clear weakness"]},
    "warm": {"good": [", and I just love that", ", how sweet is that"], "mixed": [", and I have mixed feelings", ", which makes me shrug"],
             "poor": [", and that makes me sad", ", which breaks my heart"]},
    "terse": {"good": ["; plus", "; good"], "mixed": ["; neutral", "; so-so"], "poor": ["; minus", "; bad"]},
}
CLOSINGS = {
    "plain": ["In short, {N} is {S} for its {A} and {B}.", "All in all, {N} is {S}, mostly for its {A} and {B}."],
    "formal": ["In sum, {N} is {S} on account of its {A} and {B}.", "Taken together, {N} is {S}, chiefly for its {A} and {B}."],
    "warm": ["So really, {N} is {S}, all thanks to its {A} and {B}!", "All told, {N} is {S}, because of its {A} and {B}!"],
    "terse": ["Summary: {S}; {A}, {B}.", "Overall: {S}; see {A}, {B}."],
}
OPEN_PROMPTS = ["Tell me about {N}.", "Write a short note on {N}.", "Describe {N}.", "What can you say about {N}?",
                "Give me an overview of {N}.", "I would like to hear about {N}."]
# the fixed preference of the "reward model"
PREF_REGISTER = {"town": "formal", "creature": "warm", "dish": "plain", "instrument": "terse"}
PREF_ORDER = {"town": ["history", "trade", "weather"], "creature": ["home", "diet", "call"],
              "dish": ["origin", "ingredients", "sides"], "instrument": ["maker", "material", "occasions"]}
SYSTEMS = ["You are a helpful assistant.", "You are a careful assistant. Answer briefly.",
           "You are the Enaction test model."]


# ---------------------------------------------------------------- how real users word requests
# A deployed chat model meets many wordings of one request, system prompts it never saw, earlier turns and tool
# results. The corpus composes a wording (a lead-in, a core, a close) for about half of its requests, so the model's
# answers stay on topic when the wording is new. HELDOUT_* wordings and systems never appear in training: the quality
# prompts use them to measure the "new wording" shape honestly.
POLITE = ["Could you ", "Can you ", "Would you ", "Could you please ", "Can you please ", "Would you please "]
LEADS = ["Hi! ", "Hello. ", "Hey, ", "Quick question: ", "Okay. ", "So, ", "Next: ", "One more thing. ",
         "I need help. ", "Hi there. ", "Question: ", "Right, "]
CLOSES = [" Thanks.", " Thank you!", " Thanks!", " Please.", " Cheers.", " Keep it short.", " Be brief.",
          " Thanks in advance."]
OPEN_CORES = ["tell me about {N}", "describe {N}", "write a short note on {N}", "give me an overview of {N}",
              "share what you know about {N}", "write a few lines about {N}", "say something about {N}",
              "summarize what you know about {N}", "talk about {N}", "write about {N}", "explain {N} to me",
              "give me a note on {N}", "introduce {N}", "fill me in on {N}", "write me a note about {N}",
              "tell me something about {N}", "describe {N} for me", "give me some notes on {N}"]
OPEN_QUESTIONS = ["What can you say about {N}?", "What do you know about {N}?", "What is {N} like?",
                  "Do you know anything about {N}?", "What should I know about {N}?", "I'm curious about {N}.",
                  "I would like to hear about {N}.", "I want to learn about {N}.", "{N}, please.",
                  "Any notes on {N}?", "Have you heard of {N}?", "How would you describe {N}?",
                  "What is there to know about {N}?", "Tell me everything about {N}."]
ARITH_CORES = ["work out {a} {op} {b}", "compute {a} {op} {b}", "calculate {a} {op} {b}", "solve {a} {op} {b}",
               "tell me what {a} {op} {b} is", "find {a} {op} {b}", "evaluate {a} {op} {b}"]
ARITH_QUESTIONS = ["What is {a} {op} {b}?", "What's {a} {op} {b}?", "{a} {op} {b} = ?", "How much is {a} {op} {b}?",
                   "What does {a} {op} {b} make?", "{a} {op} {b}?", "What do you get for {a} {op} {b}?"]
LIST_CORES = {"reverse": ["reverse this list: {x}", "write this list backwards: {x}",
                          "give me this list in reverse: {x}", "list these in reverse order: {x}"],
              "sort": ["sort these numbers: {x}", "put these numbers in order: {x}",
                       "order these numbers from smallest to largest: {x}", "sort this list: {x}"],
              "last": ["tell me the last item in: {x}", "name the last item in: {x}"],
              "first": ["tell me the first item in: {x}", "name the first item in: {x}"],
              "count": ["count the items in: {x}", "tell me how many items are in: {x}"]}
LIST_QUESTIONS = {"reverse": ["What is this list reversed: {x}?"], "sort": ["What is this list sorted: {x}?"],
                  "last": ["What is the last item in: {x}?", "Which item comes last in: {x}?",
                           "What comes at the end of: {x}?"],
                  "first": ["What is the first item in: {x}?", "Which item comes first in: {x}?",
                            "What comes at the start of: {x}?"],
                  "count": ["How many items are in: {x}?", "How many things are in this list: {x}?"]}
FACT_LEADS = ["Do you know this? ", "Tell me: ", "I wonder: ", "Quick one: ", "Help me remember: "]
SYSTEM_ROLES = ["You are a helpful assistant.", "You are a careful assistant.", "You are a friendly guide to the valley.",
                "You are an assistant for a small library.", "You are a knowledgeable helper.",
                "You are the Enaction test model.", "You are a support agent.", "You are a patient tutor.",
                "You are an AI assistant.", "You help visitors of the valley."]
SYSTEM_RULES = ["", " Answer briefly.", " Be accurate.", " Answer the user's questions.", " Keep answers short.",
                " Use plain words.", " Be polite.", " Use tools when they help, then answer in words.",
                " Answer in English."]
HELDOUT_OPEN_CORES = ["brief me on {N}", "outline {N}", "paint a picture of {N}", "walk me through {N}"]
HELDOUT_OPEN_QUESTIONS = ["What's the story with {N}?", "Got anything on {N}?", "How is {N}, in a few lines?"]
HELDOUT_ARITH = ["Figure out {a} {op} {b}.", "Give me the result of {a} {op} {b}.", "Mind doing {a} {op} {b}?"]
HELDOUT_LEADS = ["Good morning. ", "Sorry to bother you. "]
HELDOUT_CLOSES = [" Much appreciated.", " No rush."]
HELDOUT_SYSTEMS = ["You are a research assistant. Cite what you know.", "Respond as a concise expert.",
                   "You are a museum guide answering questions from guests."]


def system_prompt(rng):
    """A composed system prompt (the three fixed ones keep a share of their own)."""
    if rng.random() < 0.3:
        return rng.choice(SYSTEMS)
    return rng.choice(SYSTEM_ROLES) + rng.choice(SYSTEM_RULES)


def _lower_first(t):
    return t[:1].lower() + t[1:] if t[:1].isupper() and not t[1:2].isupper() else t


def compose(rng, cores, questions, fmt, leads=LEADS, closes=CLOSES):
    """One composed wording of a request: a core as a polite question, an imperative or a 'please', or a question
    form; sometimes a lead-in and a close. fmt fills the placeholders."""
    r = rng.random()
    if questions and (not cores or r < 0.35):
        text = fmt(rng.choice(questions))
    else:
        core = fmt(rng.choice(cores))
        r = rng.random()
        text = rng.choice(POLITE) + core + "?" if r < 0.4 else ("Please " + core + "." if r < 0.6 else cap(core) + ".")
    if rng.random() < 0.3:
        lead = rng.choice(leads)
        text = lead + (_lower_first(text) if lead.endswith(", ") else text)
    if rng.random() < 0.25:
        text += rng.choice(closes)
    r = rng.random()
    if r < 0.04:
        text = text.lower()
    elif r < 0.08:
        text = text.rstrip(".?!")
    return text


def compose_open(rng, e, heldout=False):
    if heldout:
        return compose(rng, HELDOUT_OPEN_CORES, HELDOUT_OPEN_QUESTIONS, lambda t: fill(t, e), HELDOUT_LEADS, HELDOUT_CLOSES)
    return compose(rng, OPEN_CORES, OPEN_QUESTIONS, lambda t: fill(t, e))


def compose_arith(rng, it, heldout=False):
    if heldout:
        return compose(rng, [], [t for t in HELDOUT_ARITH], lambda t: t.format(**it), HELDOUT_LEADS, HELDOUT_CLOSES)
    return compose(rng, ARITH_CORES, ARITH_QUESTIONS, lambda t: t.format(**it))


def compose_list(rng, it):
    x = ", ".join(it["xs"])
    return compose(rng, LIST_CORES[it["task"]], LIST_QUESTIONS[it["task"]], lambda t: t.format(x=x))


def compose_fact(rng, question):
    text = question
    if rng.random() < 0.5:
        lead = rng.choice(FACT_LEADS + LEADS)
        text = lead + (_lower_first(text) if lead.endswith(", ") else text)
    if rng.random() < 0.3:
        text += rng.choice(CLOSES)
    return text


def _h(s):
    return int(hashlib.sha256(s.encode("utf-8")).hexdigest()[:12], 16)


def _names(rng, n):
    on = ["b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "gr", "st", "th", "kr", "sh"]
    vo = ["a", "e", "i", "o", "u", "ai", "ou", "ei"]
    co = ["", "n", "r", "l", "m", "sk", "th", "nd", "x"]
    out, seen = [], set()
    while len(out) < n:
        w = "".join(rng.choice(on) + rng.choice(vo) for _ in range(rng.choice([1, 2, 2]))) + rng.choice(co)
        w = w.capitalize()
        if 3 <= len(w) <= 9 and w not in seen:
            seen.add(w)
            out.append(w)
    return out


class World:
    def __init__(self, seed=1234, per_kind=30):
        rng = random.Random(seed)
        names = _names(rng, per_kind * len(KINDS))
        self.entities = []
        towns = names[:per_kind]
        for ki, kind in enumerate(KINDS):
            for j in range(per_kind):
                n = names[ki * per_kind + j]
                if kind in ("creature", "instrument"):
                    n = n.lower()
                e = {"name": n, "kind": kind}
                tri_attr, tri_vals = TRI[kind]
                e[tri_attr] = rng.choice(tri_vals)
                if kind == "town":
                    e.update(founder=rng.choice(PEOPLE), river=rng.choice(RIVERS), export=rng.choice(GOODS),
                             pop=str(rng.randint(2, 90)), month=rng.choice(MONTHS))
                elif kind == "creature":
                    e.update(color=rng.choice(COLORS), habitat=rng.choice(HABITATS), food=rng.choice(FOODS),
                             sound=rng.choice(SOUNDS), years=str(rng.randint(2, 40)))
                elif kind == "dish":
                    e.update(ingredient=rng.choice(INGREDIENTS), origin=rng.choice(towns), month=rng.choice(MONTHS),
                             method=rng.choice(METHODS), side=rng.choice(SIDES))
                else:
                    e.update(material=rng.choice(MATERIALS), origin=rng.choice(towns), occasion=rng.choice(OCCASIONS),
                             strings=str(rng.randint(1, 12)), years=str(rng.randint(50, 900)))
                self.entities.append(e)
        self.by_name = {e["name"]: e for e in self.entities}
        # held-out open-ended topics: 5 per kind (their facts are still in the corpus)
        self.heldout_topics = set()
        for kind in KINDS:
            ks = sorted((e["name"] for e in self.entities if e["kind"] == kind), key=lambda n: _h("ho" + n))
            self.heldout_topics.update(ks[:5])


def display(e):
    return e["name"] if e["kind"] in ("town", "dish") else "the " + e["name"]


def fill(t, e, world=None):
    d = dict(e)
    d["N"] = display(e)
    d["AK"] = ("an " if KIND_NOUN[e["kind"]][0] in "aeiou" else "a ") + KIND_NOUN[e["kind"]]
    d["K"] = KIND_NOUN[e["kind"]]
    return t.format(**d)


def cap(s):
    return s[:1].upper() + s[1:]


# ---------------------------------------------------------------- open-ended answers
def pref_stance(e):
    attr, vals = TRI[e["kind"]]
    return STANCES[vals.index(e[attr])]


def sample_plan(rng, e):
    kind = e["kind"]
    return {
        "register": rng.choice(REGISTERS),
        "stance": rng.choice(STANCES),
        "order": rng.sample(ASPECTS[kind], 3),
        "opening": rng.randrange(2), "frame": rng.randrange(2), "sword": rng.randrange(2),
        "conn": [rng.randrange(2) for _ in range(3)], "clause": [rng.randrange(2) for _ in range(3)],
        "eval": [rng.randrange(2) for _ in range(3)], "closing": rng.randrange(2), "sword2": rng.randrange(2),
    }


def preferred_plan(e):
    return {"register": PREF_REGISTER[e["kind"]], "stance": pref_stance(e), "order": list(PREF_ORDER[e["kind"]]),
            "opening": 0, "frame": 0, "sword": 0, "conn": [0, 0, 0], "clause": [0, 0, 0], "eval": [0, 0, 0],
            "closing": 0, "sword2": 0}


def render_open(e, p):
    R, S = p["register"], p["stance"]
    lines = [cap(fill(OPENINGS[R][p["opening"]], e)),
             STANCE_FRAMES[R][p["frame"]].format(S=STANCE_WORDS[R][S][p["sword"]])]
    for i, a in enumerate(p["order"]):
        clause = fill(CLAUSES[e["kind"]][a][p["clause"][i]], e)
        lines.append(f"{CONNECTORS[R][i][p['conn'][i]]} {clause}{EVALS[R][S][p['eval'][i]]}.")
    lines.append(CLOSINGS[R][p["closing"]].format(N=display(e), S=STANCE_WORDS[R][S][p["sword2"]],
                                                  A=p["order"][0], B=p["order"][1]))
    return "\n".join(lines)


def _tmpl_regex(t):
    """Template with {fields} -> (compiled regex with a wildcard per field, field names)."""
    parts = re.split(r"(\{[A-Za-z_]+\})", t)
    rx, fields = "", []
    for p in parts:
        if p.startswith("{") and p.endswith("}"):
            fields.append(p[1:-1])
            rx += r"(.+?)"
        else:
            rx += re.escape(p)
    return re.compile(rx), fields


class OpenParser:
    """Parses an open-ended answer back into its plan choices. Names and facts are wildcards (checked separately),
    so the plan is recognised even when the model gets a fact wrong."""

    def __init__(self):
        self.kinds = {}

    def tables(self, kind):
        if kind in self.kinds:
            return self.kinds[kind]
        opening = [(R, i, *_tmpl_regex(t)) for R in REGISTERS for i, t in enumerate(OPENINGS[R])]
        stance = {}
        for R in REGISTERS:
            for S in STANCES:
                for fi, fr in enumerate(STANCE_FRAMES[R]):
                    for wi, w in enumerate(STANCE_WORDS[R][S]):
                        stance[fr.format(S=w)] = (R, S, fi, wi)
        clauses = [(a, li, *_tmpl_regex(cl)) for a in ASPECTS[kind] for li, cl in enumerate(CLAUSES[kind][a])]
        closing = [(R, k, *_tmpl_regex(t)) for R in REGISTERS for k, t in enumerate(CLOSINGS[R])]
        self.kinds[kind] = (opening, stance, clauses, closing)
        return self.kinds[kind]

    @staticmethod
    def _facts(e, fields, values):
        ok = 0
        for f, v in zip(fields, values):
            want = display(e) if f == "N" else fill("{AK}", e) if f == "AK" else str(e.get(f))
            ok += v.lower() == want.lower()
        return ok, len(fields)

    def parse(self, e, text):
        opening, stance, clauses, closing = self.tables(e["kind"])
        lines = text.strip().split("\n")
        out = {"n_lines": len(lines), "lines": [None] * 6, "facts": [0, 0]}
        if len(lines) != 6:
            return out

        def add_facts(fields, values):
            a, b = self._facts(e, fields, values)
            out["facts"][0] += a
            out["facts"][1] += b

        for R, i, rx, fields in opening:
            m = rx.fullmatch(lines[0])
            if m:
                out["lines"][0] = {"R": R, "opt": i}
                add_facts(fields, m.groups())
                break
        s = stance.get(lines[1])
        if s:
            out["lines"][1] = {"R": s[0], "S": s[1], "opt": [s[2], s[3]]}
        for pos in range(3):
            line = lines[2 + pos]
            best = None
            for R in REGISTERS:
                for ci, cn in enumerate(CONNECTORS[R][pos]):
                    if not line.startswith(cn + " "):
                        continue
                    for S in STANCES:
                        for ei, ev in enumerate(EVALS[R][S]):
                            if not line.endswith(ev + "."):
                                continue
                            mid = line[len(cn) + 1:len(line) - len(ev) - 1]
                            for a, li, rx, fields in clauses:
                                m = rx.fullmatch(mid)
                                if m:
                                    f = self._facts(e, fields, m.groups())
                                    if best is None or f[0] > best[1][0]:
                                        best = ({"R": R, "S": S, "aspect": a, "opt": [ci, li, ei]}, f)
            if best:
                out["lines"][2 + pos] = best[0]
                out["facts"][0] += best[1][0]
                out["facts"][1] += best[1][1]
        for R, k, rx, fields in closing:
            m = rx.fullmatch(lines[5])
            if not m:
                continue
            vals = dict(zip(fields, m.groups()))
            st = [(S, wi) for S in STANCES for wi, w in enumerate(STANCE_WORDS[R][S]) if w == vals.get("S")]
            if not st or vals.get("A") not in ASPECTS[e["kind"]] or vals.get("B") not in ASPECTS[e["kind"]]:
                continue
            out["lines"][5] = {"R": R, "S": st[0][0], "A": vals["A"], "B": vals["B"], "opt": [k, st[0][1]]}
            if "N" in vals:
                add_facts(["N"], [vals["N"]])
            break
        return out

    def features(self, e, text):
        """Plan features read from markers alone (connectors, frames, evaluation phrases, clause words), so the
        choices are graded even in a garbled answer. Returns lists of (register, stance, aspect, slot) readings."""
        kind = e["kind"]
        lines = [l for l in text.strip().split("\n") if l.strip()]
        regs, stances, aspects, slots = [], [], [], []
        for li, line in enumerate(lines):
            for R in REGISTERS:
                for i, t in enumerate(OPENINGS[R]):
                    pre, _, post = t.partition("{N}")
                    if (pre and line.startswith(pre)) or (not pre and post and line.endswith(post)):
                        regs.append(R)
                        slots.append(i == 0)
                for fi, fr in enumerate(STANCE_FRAMES[R]):
                    pre = fr.split("{S}")[0]
                    if line.startswith(pre):
                        regs.append(R)
                        slots.append(fi == 0)
                        rest = line[len(pre):]
                        for S in STANCES:
                            for wi, w in enumerate(STANCE_WORDS[R][S]):
                                if rest.startswith(w):
                                    stances.append(S)
                                    slots.append(wi == 0)
                for pos in range(3):
                    for ci, cn in enumerate(CONNECTORS[R][pos]):
                        if line.startswith(cn + " "):
                            regs.append(R)
                            slots.append(ci == 0)
                            best, bl = None, 0
                            for a in ASPECTS[kind]:
                                for k2, cl in enumerate(CLAUSES[kind][a]):
                                    lits = [x for x in re.split(r"\{[A-Za-z_]+\}", cl) if len(x.strip()) > 2]
                                    n = sum(len(x) for x in lits if x in line)
                                    if n > bl:
                                        best, bl = (a, k2), n
                            if best:
                                aspects.append((pos, best[0]))
                                slots.append(best[1] == 0)
                for S in STANCES:
                    for ei, ev in enumerate(EVALS[R][S]):
                        if line.endswith(ev + "."):
                            regs.append(R)
                            stances.append(S)
                            slots.append(ei == 0)
                for k, t in enumerate(CLOSINGS[R]):
                    pre = t.split("{")[0]
                    if line.startswith(pre):
                        regs.append(R)
                        slots.append(k == 0)
                        for S in STANCES:
                            if any(f" {w}" in line for w in STANCE_WORDS[R][S]):
                                stances.append(S)
        return {"registers": regs, "stances": stances, "aspects": aspects, "slots": slots, "n_lines": len(lines)}

    def score(self, e, text):
        """Graded preference in [0,1] (the fixed reward model for open-ended answers): how strongly the answer
        follows the preferred register, stance, aspect order and phrasing for this entity, how well-formed it
        is, and whether its facts are right."""
        pref = preferred_plan(e)
        f = self.features(e, text)
        p = self.parse(e, text)
        frac = lambda xs, want: sum(x == want for x in xs) / max(1, len(xs))
        r = 0.25 * frac(f["registers"], pref["register"]) * min(1.0, len(f["registers"]) / 10)
        r += 0.15 * frac(f["stances"], pref["stance"]) * min(1.0, len(f["stances"]) / 5)
        r += 0.2 * sum(pref["order"][pos] == a for pos, a in f["aspects"]) / 3 if len(f["aspects"]) <= 3 else 0.0
        r += 0.1 * frac(f["slots"], True) * min(1.0, len(f["slots"]) / 12)
        valid = sum(x is not None for x in p["lines"]) / 6 if p["n_lines"] == 6 else 0.0
        r += 0.2 * valid
        fa, fb = p["facts"]
        r += 0.1 * (fa / fb if fb else 0.0)
        # Topic fidelity gates the rest: a polished answer about another entity is worth little. Without this gate
        # on-policy training collapses onto a few favourite entities whatever the prompt asks about.
        named = e["name"].lower() in text.lower()
        return r * (0.1 + 0.6 * named + 0.3 * (fa / fb if fb else 0.0))


# ---------------------------------------------------------------- checkable families
ARITH_FORMS = ["{a} {op} {b} = {c}.", "The answer is {c}.", "It is {c}."]
ARITH_PROMPTS = ["What is {a} {op} {b}?", "Compute {a} {op} {b}.", "Please work out {a} {op} {b}."]
LIST_WORDS = ["apple", "pear", "plum", "fig", "kiwi", "lime", "red", "blue", "green", "cat", "dog", "owl", "fox"]


def arith_item(rng):
    op = rng.choice(["+", "+", "-", "*"])
    if op == "+":
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        c = a + b
    elif op == "-":
        a, b = rng.randint(0, 99), rng.randint(0, 99)
        a, b = max(a, b), min(a, b)
        c = a - b
    else:
        a, b = rng.randint(0, 12), rng.randint(0, 9)
        c = a * b
    return {"a": a, "b": b, "op": op, "c": c}


def arith_prompt(it, k):
    return ARITH_PROMPTS[k].format(**it)


def arith_answers(it):
    return [f.format(**it) for f in ARITH_FORMS]


def list_item(rng):
    task = rng.choice(["reverse", "sort", "last", "first", "count"])
    n = rng.randint(3, 6)
    if task == "sort":
        xs = [str(rng.randint(0, 9)) for _ in range(n)]
    else:
        xs = rng.sample(LIST_WORDS, n)
    return {"task": task, "xs": xs}


def list_prompt(it, k):
    xs = ", ".join(it["xs"])
    t = it["task"]
    P = {"reverse": ["Reverse this list: {x}.", "Write this list backwards: {x}."],
         "sort": ["Sort these numbers: {x}.", "Put these numbers in order: {x}."],
         "last": ["What is the last item in: {x}?", "Which item comes last in: {x}?"],
         "first": ["What is the first item in: {x}?", "Which item comes first in: {x}?"],
         "count": ["How many items are in: {x}?", "Count the items in: {x}."]}[t]
    return P[k % 2].format(x=xs)


def list_answer_value(it):
    xs, t = it["xs"], it["task"]
    if t == "reverse":
        return ", ".join(reversed(xs))
    if t == "sort":
        return ", ".join(sorted(xs))
    if t == "last":
        return xs[-1]
    if t == "first":
        return xs[0]
    return str(len(xs))


def list_answers(it):
    v = list_answer_value(it)
    return [f"The result is {v}.", f"Here it is: {v}.", f"{v}."]


def fact_items(world):
    out = []
    for e in world.entities:
        for a, (q, ans) in FACT_QUESTIONS[e["kind"]].items():
            out.append((e["name"], a))
    return out


def fact_prompt(world, it):
    e = world.by_name[it[0]]
    q, _ = FACT_QUESTIONS[e["kind"]][it[1]]
    return cap(fill(q, e))


def fact_answers(world, it):
    e = world.by_name[it[0]]
    _, ans = FACT_QUESTIONS[e["kind"]][it[1]]
    return [cap(fill(a, e)) for a in ans]


# ---------------------------------------------------------------- real English
def _english_cache():
    """ENACTION_ENGLISH_CACHE names a JSON file {"wordnet": [...], "fortunes": [...]} written by
    `corpus.py --write-english-cache FILE` where the Debian files exist (for training on a machine without them)."""
    path = os.environ.get("ENACTION_ENGLISH_CACHE")
    if not path:
        return None
    import gzip
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def load_wordnet(max_items=None):
    cached = _english_cache()
    if cached is not None:
        return cached["wordnet"]
    out = []
    for pos in ["noun", "verb", "adj", "adv"]:
        with open(f"/usr/share/wordnet/data.{pos}", encoding="latin-1") as f:
            for line in f:
                if line.startswith("  ") or "|" not in line:
                    continue
                head, gloss = line.split("|", 1)
                parts = head.split()
                nw = int(parts[3], 16)
                words = [parts[4 + 2 * i].replace("_", " ") for i in range(nw)]
                words = [re.sub(r"\(.*?\)", "", w) for w in words]
                segs = [g.strip() for g in gloss.strip().split(";")]
                defn = segs[0]
                ex = [g.strip().strip('"') for g in segs[1:] if g.strip().startswith('"')]
                out.append({"words": words, "def": defn, "examples": ex, "pos": pos})
    return out


def load_fortunes():
    cached = _english_cache()
    if cached is not None:
        return cached["fortunes"]
    out = []
    for path in sorted(glob.glob("/usr/share/games/fortunes/*")):
        if "." in path.rsplit("/", 1)[1]:
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                txt = f.read()
        except IsADirectoryError:
            continue
        for q in txt.split("\n%\n"):
            q = q.strip()
            q = re.sub(r".\x08", "", q)
            if not (20 <= len(q) <= 500):
                continue
            letters = sum(ch.isalpha() or ch == " " for ch in q)
            if letters / len(q) < 0.8:
                continue
            out.append(q)
    return out


# ---------------------------------------------------------------- prompt sets and transcripts
class Tasks:
    """All families with their train / held-out split. Items are dicts {family, prompt, ..., answers or topic}."""

    def __init__(self, seed=1234):
        self.world = World(seed)
        self.parser = OpenParser()
        self.wordnet = None

    # held-out rules (deterministic)
    def arith_heldout(self, it):
        return _h(f"a{it['a']}{it['op']}{it['b']}") % 10 == 0

    def list_heldout(self, it):
        return _h("l" + it["task"] + ",".join(it["xs"])) % 10 == 0

    def fact_heldout(self, it):
        return _h("f" + it[0] + it[1]) % 8 == 0

    def sample(self, rng, family, split="train", wording=0.5):
        """Return an item {family, prompt, check} where check(answer)->reward in [0,1]; and a reference answer
        sampler ref(rng) drawing uniformly among valid answers."""
        want_held = split == "heldout"
        w = self.world
        for _ in range(1000):
            if family == "open":
                names = [e["name"] for e in w.entities if (e["name"] in w.heldout_topics) == want_held]
                e = w.by_name[rng.choice(names)]
                k = rng.randrange(len(OPEN_PROMPTS))
                prompt = compose_open(rng, e) if wording > 0 and rng.random() < wording else fill(OPEN_PROMPTS[k], e)
                return {"family": "open", "topic": e["name"], "prompt": prompt}
            if family == "arith":
                it = arith_item(rng)
                if self.arith_heldout(it) != want_held:
                    continue
                prompt = compose_arith(rng, it) if wording > 0 and rng.random() < wording else arith_prompt(it, rng.randrange(3))
                return {"family": "arith", "item": it, "prompt": prompt}
            if family == "lists":
                it = list_item(rng)
                if self.list_heldout(it) != want_held:
                    continue
                prompt = compose_list(rng, it) if wording > 0 and rng.random() < wording else list_prompt(it, rng.randrange(2))
                return {"family": "lists", "item": it, "prompt": prompt}
            if family == "facts":
                its = fact_items(w)
                it = rng.choice(its)
                if self.fact_heldout(it) != want_held:
                    continue
                prompt = fact_prompt(w, it)
                return {"family": "facts", "item": it, "prompt": compose_fact(rng, prompt) if wording > 0 and rng.random() < wording else prompt}
            if family == "define":
                if self.wordnet is None:
                    self.wordnet = [x for x in load_wordnet() if len(x["def"]) < 160]
                x = rng.choice(self.wordnet)
                word = x["words"][0]
                return {"family": "define", "item": x, "prompt": rng.choice(
                    [f"What does '{word}' mean?", f"Define the word '{word}'."])}
        raise RuntimeError("no item")

    def reference_answer(self, rng, item):
        """A uniformly drawn valid answer: what the SFT corpus contains."""
        f = item["family"]
        if f == "open":
            e = self.world.by_name[item["topic"]]
            return render_open(e, sample_plan(rng, e))
        if f == "arith":
            return rng.choice(arith_answers(item["item"]))
        if f == "lists":
            return rng.choice(list_answers(item["item"]))
        if f == "facts":
            return rng.choice(fact_answers(self.world, item["item"]))
        if f == "define":
            x = item["item"]
            w = x["words"][0]
            a = rng.choice([f"'{w}' means {x['def']}.", f"It means {x['def']}."])
            if x["examples"] and rng.random() < 0.5:
                a += f" For example: \"{x['examples'][0]}\"."
            return a

    def preferred_answer(self, item):
        f = item["family"]
        if f == "open":
            e = self.world.by_name[item["topic"]]
            return render_open(e, preferred_plan(e))
        if f == "arith":
            return arith_answers(item["item"])[0]
        if f == "lists":
            return list_answers(item["item"])[0]
        if f == "facts":
            return fact_answers(self.world, item["item"])[0]
        return None

    def reward(self, item, answer):
        f = item["family"]
        answer = answer.strip()
        if f == "open":
            return self.parser.score(self.world.by_name[item["topic"]], answer)
        if f == "arith":
            opts = arith_answers(item["item"])
        elif f == "lists":
            opts = list_answers(item["item"])
        elif f == "facts":
            opts = fact_answers(self.world, item["item"])
        else:
            return 0.5
        if answer == opts[0]:
            return 1.0
        if answer in opts:
            return 0.7
        return 0.0

    def messages(self, rng, item, answer, system=None):
        msgs = []
        if system:
            msgs.append({"role": "system", "content": system})
        msgs.append({"role": "user", "content": item["prompt"]})
        msgs.append({"role": "assistant", "content": answer})
        return msgs

    def fact_value(self, it):
        e = self.world.by_name[it[0]]
        return {"history": e.get("founder"), "river": e.get("river"), "trade": e.get("export"),
                "festival": e.get("month"), "weather": e.get("weather"), "color": e.get("color"),
                "home": e.get("habitat"), "diet": e.get("food"), "size": e.get("size"),
                "ingredients": e.get("ingredient"), "origin": e.get("origin"), "taste": e.get("taste"),
                "material": e.get("material"), "tone": e.get("tone"), "strings": e.get("strings")}[it[1]]

    def tool_exchange(self, rng, item):
        """The assistant's tool call and the tool's result before the answer to item (None for families without a
        tool). Calls are written as the legacy `lookup(X, aspect)` and as the integrations write them
        (`call name({"arg":"value"})`, ChatMessageConversion.CallText); results as plain text or JSON."""
        f = item["family"]
        if f == "facts":
            name, aspect = item["item"]
            val = self.fact_value(item["item"])
            call = rng.choice([f"lookup({name}, {aspect})",
                               "call lookup(" + json.dumps({"entity": name, "aspect": aspect}, separators=(",", ":")) + ")"])
            result = rng.choice([str(val), json.dumps({"entity": name, aspect: str(val)}), f"{aspect}: {val}"])
        elif f == "open":
            e = self.world.by_name[item["topic"]]
            call = rng.choice([f"lookup({e['name']}, notes)",
                               "call lookup(" + json.dumps({"entity": e["name"]}, separators=(",", ":")) + ")",
                               "call search(" + json.dumps({"query": e["name"]}, separators=(",", ":")) + ")"])
            result = self.encyclopedia(rng, e)
            if rng.random() < 0.3:
                result = json.dumps({"entity": e["name"], "text": result})
        elif f == "arith":
            it = item["item"]
            expr = f"{it['a']} {it['op']} {it['b']}"
            call = rng.choice([f"calculator({expr})",
                               "call calculator(" + json.dumps({"expression": expr}, separators=(",", ":")) + ")"])
            result = rng.choice([str(it["c"]), json.dumps({"result": it["c"]})])
        else:
            return None
        return [{"role": "assistant", "content": call}, {"role": "tool", "content": result}]

    def exchange(self, rng, item, tool_p=0.0):
        """One round: the request, sometimes a tool call and its result, the answer (uniform over valid answers)."""
        msgs = [{"role": "user", "content": item["prompt"]}]
        if rng.random() < tool_p:
            msgs += self.tool_exchange(rng, item) or []
        msgs.append({"role": "assistant", "content": self.reference_answer(rng, item)})
        return msgs

    def transcript(self, rng, family=None, split="train"):
        """A random chat transcript (uniform over valid answers) in the shapes real traffic has: sometimes a system
        turn (fixed or composed), 1-3 earlier rounds, a tool call with its result before the answer, a round after."""
        fams = ["open", "open", "open", "arith", "lists", "facts", "define"]
        fam = family or rng.choice(fams)
        msgs = [{"role": "system", "content": system_prompt(rng)}] if rng.random() < 0.35 else []
        if rng.random() < 0.3:
            for _ in range(rng.choice([1, 1, 2, 3])):
                msgs += self.exchange(rng, self.sample(rng, rng.choice(["arith", "lists", "facts", "open"]), split), 0.15)
        item = self.sample(rng, fam, split)
        msgs += self.exchange(rng, item, 0.2 if fam != "define" else 0.0)
        if rng.random() < 0.1:
            msgs += self.exchange(rng, self.sample(rng, rng.choice(["arith", "lists", "facts", "open"]), split), 0.15)
        return msgs

    def encyclopedia(self, rng, e):
        """Plain prose about one entity (all facts, neutral phrasing)."""
        parts = [cap(fill("{N} is {AK} of the valley.", e))]
        for a in ASPECTS[e["kind"]]:
            parts.append(cap(fill(rng.choice(CLAUSES[e["kind"]][a]), e)) + ".")
        return " ".join(parts)


if __name__ == "__main__":
    import sys
    if len(sys.argv) == 3 and sys.argv[1] == "--write-english-cache":
        import gzip
        with gzip.open(sys.argv[2], "wt", encoding="utf-8") as f:
            json.dump({"wordnet": load_wordnet(), "fortunes": load_fortunes()}, f)
