"""Vocabularies, emoji inventories and text builders of the synthetic corpus.

Every post text is assembled from pieces drawn by index from the lists below, so
the generator can draw all indices for a class at once with numpy and only join
strings per post. The builders return the text together with its entities
(hashtags, mentions, URLs, in code-point offsets) and the emoji sequences in the
order they are written, so the ground truth never has to re-parse a text.

The lists are written by us. The words are chosen so that any LIWC-like lexicon
assigns them to the categories the firestorm study looks at: firestorm posts use
``you``/``your``/``they``/``them`` and anger, swear and negative-emotion words;
baseline chatter uses ``i``/``me``/``my`` and netspeak (``lol``, ``omg``, ``haha``);
solidarity posts use ``we``, prayers, hearts and affiliative words; news posts
use casualty counts, police and traffic reports and links. Vocabulary overlaps
between solidarity and news on purpose (``paris``, ``victims``, ``tonight``...),
so the classes are learnable but not trivially.

Emojis are full sequences as a reader sees them: ZWJ sequences (👨‍👩‍👧, ❤️‍🔥,
👩🏽‍⚕️), flags (🇫🇷, 🇺🇸), skin tones (🙏🏽) and keycaps (1️⃣). None of the lists
contains characters that emoji libraries treat as emojis on their own outside
these sequences (no ``©``, ``™``, ``♥`` without FE0F, no ``#️⃣``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = [
    "CHATTER_HASHTAGS",
    "EMOJI_SETS",
    "PostText",
    "TextBuilder",
    "all_emojis",
]

# --------------------------------------------------------------------------- emojis

#: Emoji inventories by use. Keys are referenced by the generator.
EMOJI_SETS: dict[str, tuple[str, ...]] = {
    # solidarity posts by users inside the affected countries (weights follow order)
    "solidarity_inside": (
        "🇫🇷", "💔", "🙏", "😢", "❤️", "🕯️", "💙", "😔", "🤍", "🙏🏻", "😭", "🌹",
        "🕊️", "👨‍👩‍👧", "💪",
    ),
    # solidarity posts by users elsewhere
    "solidarity_outside": (
        "🙏", "❤️", "💔", "🙏🏽", "🇫🇷", "🇺🇸", "😢", "🙏🏾", "💙", "🌍", "🕊️", "😭",
        "✊🏿", "🤝", "💛", "🇬🇧", "☮️", "👩🏽‍⚕️",
    ),
    # news / information posts (overlaps with solidarity on 🙏 😢 🇫🇷)
    "news": (
        "🚨", "⚠️", "🔴", "👉", "📷", "😱", "📹", "🇫🇷", "😢", "🙏", "🚓", "🚑",
        "👩🏽‍⚕️", "1️⃣", "2️⃣", "📍",
    ),
    # everyday chatter
    "chatter": (
        "😂", "😊", "🤣", "😍", "☕", "🙄", "🎉", "👀", "💯", "🔥", "🍕", "❤️‍🔥",
        "👨‍👩‍👧", "👍🏼", "🐱", "😴", "🎶", "1️⃣", "🙌🏽", "😅",
    ),
    # the firestorm crowd
    "firestorm": ("😡", "🤬", "👎", "😤", "🤮", "🙄", "💩", "👎🏻", "😠", "🤡"),
    # happy customers before the firestorm
    "trickle": ("😊", "✈️", "👍", "🙌", "😍", "👍🏽"),
    # undetermined-language posts (emoji-only)
    "und": ("🙏", "💔", "🇫🇷", "😢", "❤️", "🙏🏽", "🕯️", "😭"),
}  # fmt: skip


def all_emojis() -> tuple[str, ...]:
    """Return every emoji sequence the generator can write, each once."""
    seen: dict[str, None] = {}
    for values in EMOJI_SETS.values():
        for e in values:
            seen.setdefault(e, None)
    return tuple(seen)


# ------------------------------------------------------------------ chatter hashtags

#: Hashtags of everyday chatter and of the firestorm; none is a label hashtag.
CHATTER_HASHTAGS: tuple[str, ...] = (
    "MondayMotivation", "coffee", "nowplaying", "tbt", "caturday", "foodie", "gameday",
    "weekendvibes", "bookworm", "fitness", "sundayfunday", "throwback", "mood", "ootd",
    "nofilter", "blessed", "tgif", "netflix", "rainyday", "vegan",
)  # fmt: skip

FIRESTORM_HASHTAGS: tuple[str, ...] = (
    "boycott{T}",
    "never{T}",
    "{T}fail",
    "shameon{T}",
    "{T}liars",
)

# ----------------------------------------------------------------- English pieces

SOLIDARITY_OPENERS: tuple[str, ...] = (
    "Thoughts are with", "Praying for", "We stand with", "My heart goes out to",
    "Sending love to", "Our prayers are with", "Standing with", "Love and strength to",
    "All our love to", "We are with", "Holding in our hearts", "Deepest condolences to",
    "Sending prayers and love to", "We grieve with", "Solidarity with", "So much love for",
    "Keeping in our prayers", "Hugs and prayers for", "Our hearts are with",
    "We will always stand with", "Thinking of", "Lighting a candle for",
    "Peace and love to", "We mourn with", "Strength and courage to",
)  # fmt: skip

SOLIDARITY_OBJECTS: tuple[str, ...] = (
    "the people of Paris", "everyone in Paris", "our French friends",
    "the victims and their families",
    "Paris tonight", "all those affected", "France", "our brothers and sisters in France",
    "the families who lost loved ones", "everyone hurting tonight", "the city of light",
    "every Parisian", "the people of France", "those injured tonight", "the first responders",
    "our friends across the ocean", "all the victims", "the brave people of Paris",
    "everyone caught up in this", "the doctors and nurses", "the families of the victims",
    "our French family", "everyone in the 11th", "those still waiting for news",
)  # fmt: skip

SOLIDARITY_TAILS: tuple[str, ...] = (
    "", "", "we are all in this together", "love will win", "hate will never win",
    "stay strong", "we are with you", "peace", "never forget", "you are not alone",
    "together we are stronger", "we stand united", "love conquers fear", "we share your pain",
    "let us hold each other close", "the world is with you", "be safe everyone",
    "we will not be divided", "light will win over darkness", "hug your loved ones tonight",
    "our hearts are broken", "we are one", "humanity is stronger than terror",
    "sending all our love", "we pray for peace", "so much sadness tonight",
    "may they rest in peace", "we weep with you", "kindness will win",
    "police say the death toll is still rising",
)  # fmt: skip

SOLIDARITY_LONG: tuple[str, ...] = (
    "To everyone in Paris tonight: we see you, we hear you and we love you. No act of hatred "
    "can break the spirit of a city that taught the world about liberty, equality and "
    "fraternity. We stand together, today and every day, with open arms and open doors.",
    "Words fail us tonight. We lit a candle in our window for every person who went out for a "
    "concert, a match or a dinner with friends and never came home. Our community is holding "
    "vigil together and we send our deepest love and solidarity to our friends in France.",
    "We spent the night messaging friends in Paris to make sure they were safe. To the people "
    "who opened their doors to strangers, to the nurses and doctors working through the night, "
    "to every family waiting for news: we are with you, we are praying, you are not alone.",
    "Our hearts are heavy. We remember the victims, we hold their families close and we thank "
    "the police, firefighters and medics who ran towards danger. Hatred wants us divided and "
    "afraid; we answer with love, with unity and with peace. We stand with Paris, always.",
)  # fmt: skip

#: Terse crisis posts whose words fit either class: only their emojis tell them apart.
AMBIGUOUS_BODIES: tuple[str, ...] = (
    "Paris tonight", "Just heard about Paris", "This is Paris right now", "No words",
    "Paris, 13 November", "Watching the news from Paris", "Everyone in Paris check in",
    "Paris", "Tonight in Paris", "What is happening in Paris", "Oh Paris", "Paris right now",
    "Can't stop watching", "This night", "The streets of Paris tonight", "Paris, France",
    "Scenes from Paris", "All eyes on Paris", "Friday night in Paris", "Still awake",
)  # fmt: skip

AMBIGUOUS_TAILS: tuple[str, ...] = (
    "", "", "", "just now", "still can't believe it", "what a night", "live", "right now",
    "again", "this evening", "at the moment", "minutes ago", "for hours now", "so close to home",
)  # fmt: skip

NEWS_LEADS: tuple[str, ...] = (
    "Police say {n} dead after shootings in {p}", "BREAKING: explosions reported near {p}",
    "Live updates: {n} killed in {p} attacks", "Traffic closed around {p}, avoid the area",
    "Officials confirm hostage situation at {p}", "Metro line {k} suspended near {p}",
    "Death toll rises to {n}, police say", "Gunmen opened fire at {p}, witnesses say",
    "Reports of a shooting at {p}", "At least {n} people injured near {p}",
    "Prosecutor: {n} attackers dead after raid in {p}", "Roads closed around {p} tonight",
    "Hospitals on emergency plan as {n} wounded arrive from {p}",
    "President declares state of emergency after attacks in {p}",
    "Borders closed, police say, after {n} killed in {p}",
    "Eyewitness video shows police at {p}", "Update: {n} confirmed dead at {p}",
    "Security forces storm {p}, {n} hostages freed", "Curfew announced for {p}",
    "Train services halted at {p} station", "Authorities ask residents near {p} to stay inside",
    "Crowd evacuated from {p} after blasts", "Manhunt under way after {p} attacks",
    "Emergency number opened for families, {n} victims identified",
)  # fmt: skip

NEWS_PLACES: tuple[str, ...] = (
    "Paris", "the concert hall", "Stade de France", "the 10th arrondissement", "Rue de Charonne",
    "Boulevard Voltaire", "Place de la République", "Rue Bichat", "the city centre",
    "Saint-Denis", "Gare du Nord", "Rue Oberkampf", "the 11th arrondissement", "Le Marais",
    "Châtelet", "the stadium", "Boulevard de Belleville", "the Bataclan",
)  # fmt: skip

NEWS_TAILS: tuple[str, ...] = (
    "", "", "", "more to follow", "details on the live blog", "police say",
    "officials say the situation is ongoing", "avoid the area", "witnesses describe chaos",
    "according to local media", "the interior minister says", "a hotline is open for families",
    "the investigation continues", "thoughts with the victims", "sources say",
    "pray for the victims", "full report at the link", "developing story", "read more",
    "casualty figures not yet confirmed", "transport disrupted across the city",
    "stay safe and follow police instructions", "we stand with the people of Paris",
)  # fmt: skip

NEWS_LONG: tuple[str, ...] = (
    "What we know so far: attackers struck at several sites across the city within about half "
    "an hour, including a concert hall, restaurants and the area around the national stadium. "
    "Police have sealed off the 10th and 11th arrondissements, the metro is partially closed "
    "and officials say the casualty figures will be updated through the night.",
    "Timeline of the evening: first explosions were heard near the stadium, then gunmen opened "
    "fire on cafe terraces in the east of the city before a hostage situation began at a "
    "concert venue. Security forces ended the siege after midnight. A hotline has been opened "
    "for families and the prosecutor will give a press conference in the morning.",
    "Transport update: several metro lines remain suspended, main roads around the city centre "
    "are closed to traffic and border checks have been reinstated. Residents are asked to stay "
    "at home unless it is necessary to travel, and schools and museums will remain closed "
    "tomorrow according to the city authorities.",
)  # fmt: skip

CHATTER_STARTS: tuple[str, ...] = (
    "i just", "omg i", "lol i", "haha i", "ugh i", "honestly i", "i think i", "me and my mom",
    "i really", "ok so i", "guess what i", "i finally", "lmao i", "i literally", "so i",
    "i can't believe i", "i swear i", "today i", "yay i", "i kinda", "guess who",
    "my sister and i", "last week i", "omg my roommate", "so my best friend and i",
)  # fmt: skip

CHATTER_MIDDLES: tuple[str, ...] = (
    "made my coffee", "burned my toast", "found my old phone", "fixed my bike",
    "finished my book", "lost my keys again", "ate my whole pizza", "watched my favourite show",
    "cleaned my room", "missed my bus", "beat my high score", "dyed my hair",
    "walked my dog", "painted my nails", "called my mom", "baked my first cake",
    "forgot my lunch", "started my new job", "broke my headphones", "washed my car",
    "planted my tomatoes", "got my tickets", "changed my mind", "fed my cat",
    "ran my first 5k", "organised my desk", "spilled my tea", "booked my holiday",
)  # fmt: skip

CHATTER_ENDS: tuple[str, ...] = (
    "", "lol", "haha", "omg", "lmao", "and i love it", "and i'm so tired", "before noon",
    "this morning", "last night", "for me myself and i", "and i need a nap", "yay",
    "wish me luck", "i'm so proud of myself", "my day is made", "brb", "idk why",
    "and my week is complete", "i'm not ok lol", "ok bye", "best day of my life haha",
    "i deserve a treat", "my brain is fried", "tbh", "and it made me smile",
)  # fmt: skip

CHATTER_LONG: tuple[str, ...] = (
    "ok so here is my day: i woke up late, i spilled my coffee on my favourite shirt, i "
    "missed my train, my phone died, and then i found out my lunch was still on the kitchen "
    "table. but honestly i laughed the whole time lol. i am going to bed early tonight.",
    "i have been thinking about my goals for the month and i finally wrote them down: i want "
    "to read more, i want to call my grandma every sunday, i want to run three times a week "
    "and i want to stop buying coffee i do not even like haha. wish me luck, i will need it.",
)  # fmt: skip

TRICKLE_BODIES: tuple[str, ...] = (
    "thanks for the smooth flight today, i loved it",
    "i love the new app, my check in took a minute",
    "my crew today was amazing, thank you", "i got my upgrade, best birthday ever",
    "thanks for finding my bag so quickly", "my flight landed early, i'm impressed",
    "i always feel at home on your planes", "the snacks on my flight were great",
    "i can't wait for my trip next week", "my kids loved the cockpit visit",
    "thank you for helping my grandma at the gate", "i just booked my summer holiday with you",
)  # fmt: skip

TRICKLE_ENDS: tuple[str, ...] = (
    "", "", ":)", "haha", "lol", "see you soon", "well done", "thank you so much", "yay",
)  # fmt: skip

TARGET_BODIES: tuple[str, ...] = (
    "We are happy to welcome you on board today", "Our flights to Lisbon are on time today",
    "We are proud of our crews", "Our new summer routes are now open for booking",
    "We will have extra flights for the holidays", "We thank our customers for their loyalty",
    "Our lounges reopen this week", "We have updated our baggage rules, details on our site",
    "Good morning from our team at the hub", "We are hiring cabin crew this season",
)  # fmt: skip

TARGET_TRIGGER = (
    "We regret to inform passengers that flights are cancelled today. Passengers are "
    "responsible for their own accommodation and we will not refund any fees."
)

FIRESTORM_OPENERS: tuple[str, ...] = (
    "you should be ashamed", "shame on you", "you are liars", "you are the worst",
    "your staff are terrible", "you lied to us", "you ruined our holiday",
    "how dare you", "you do not care about your customers", "you are disgusting",
    "your service is awful", "you stranded us", "you are a joke", "you cheated us",
    "your excuses are pathetic", "you treat people like garbage", "your company is a disgrace",
    "you owe them an apology", "you make me sick", "you are hateful", "damn you",
)  # fmt: skip

FIRESTORM_MIDDLES: tuple[str, ...] = (
    "they left families at the gate", "they refuse to refund them", "they yelled at old people",
    "they lost their bags and laughed", "they lie to them every time",
    "they kept them waiting for hours",
    "they took their money and ran", "they will never see my money again",
    "they treat them like animals", "they blocked them and deleted the complaints",
    "they hate their own passengers", "they threw them out like trash",
    "they are terrible people", "they should all be fired", "they cheat their customers",
    "they abandoned them at night", "their manager was rude and angry",
    "their staff insulted them", "they stole from them", "they ignored them for days",
)  # fmt: skip

FIRESTORM_TAILS: tuple[str, ...] = (
    "", "", "disgusting", "awful", "terrible", "worst airline ever", "what a shame",
    "pathetic", "crap service", "this is shit", "hell no", "unacceptable", "boycott them",
    "hateful company", "never again", "so angry right now", "liars", "damn liars",
    "a total disgrace", "you should be sued", "horrible", "furious",
)  # fmt: skip

# ---------------------------------------------------------------- other languages

FR_BODIES: tuple[str, ...] = (
    "Pensées pour les victimes et leurs familles", "Nous sommes tous Parisiens ce soir",
    "La police annonce un lourd bilan", "Fusillade près de la salle de concert",
    "Restez chez vous, les transports sont coupés", "Courage à tous les Parisiens",
    "Les hôpitaux ont déclenché le plan blanc", "Le métro est fermé dans le quartier",
    "Portes ouvertes pour ceux qui cherchent un abri", "On ne cédera pas à la peur",
    "Le président décrète l'état d'urgence", "J'ai pris mon café ce matin, rien de spécial",
)  # fmt: skip

FR_ENDS: tuple[str, ...] = (
    "", "ce soir", "à Paris", "solidarité", "tout mon soutien", "selon la police",
    "merci aux secours", "prenez soin de vous", "c'est terrible", "on est avec vous",
)  # fmt: skip

ES_BODIES: tuple[str, ...] = (
    "Todo mi apoyo al pueblo francés", "Rezamos por las víctimas de París",
    "La policía confirma varios muertos", "Tiroteo cerca de la sala de conciertos",
    "Fuerza París", "Cierran el metro en el centro de la ciudad",
    "Mis pensamientos están con las familias", "Estado de emergencia en Francia",
    "Hoy me tomé un café con mis amigos", "Qué tristeza tan grande",
)  # fmt: skip

ES_ENDS: tuple[str, ...] = (
    "", "esta noche", "en París", "solidaridad", "mucha fuerza", "según la policía",
    "gracias a los médicos", "cuídense", "es terrible", "estamos con ustedes",
)  # fmt: skip

NEWS_DOMAINS: tuple[str, ...] = (
    "https://www.dailyherald-news.com/world/europe/",
    "https://worldwire.example.org/live/",
    "https://www.lejournal-quotidien.fr/international/article/",
    "https://news.metro-city.co.uk/world/",
    "https://www.eveningpost-online.com/breaking/",
)
CHATTER_DOMAINS: tuple[str, ...] = (
    "https://www.instagram.com/p/",
    "https://youtu.be/",
    "https://open.spotify.com/track/",
    "https://www.myblog-diary.net/posts/",
)

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


_B62_PAIRS = [a + b for a in _B62 for b in _B62]


def base62(value: int, width: int) -> str:
    """Write ``value`` in base 62 with exactly ``width`` digits (wrapping around).

    Args:
        value: A non-negative whole number.
        width: Number of digits (even numbers are fastest).

    Returns:
        The digits, most significant first.
    """
    pairs = []
    for _ in range(width // 2):
        value, rem = divmod(value, 3844)
        pairs.append(_B62_PAIRS[rem])
    if width % 2:
        pairs.append(_B62[value % 62])
    return "".join(reversed(pairs))


# ------------------------------------------------------------------ text assembly


@dataclass(slots=True)
class PostText:
    """A post text with its entities, as written.

    Attributes:
        text: The full text.
        hashtags: ``(start, end, tag)`` per hashtag; offsets in code points, the
            span includes the ``#``; ``tag`` is written as in the text.
        mentions: ``(start, end, user_index)`` per mention; the span includes ``@``.
        urls: ``(start, end, short_url, expanded_url)`` per URL.
        emojis: The emoji sequences in text order.
    """

    text: str
    hashtags: list[tuple[int, int, str]] = field(default_factory=list)
    mentions: list[tuple[int, int, int]] = field(default_factory=list)
    urls: list[tuple[int, int, str, str]] = field(default_factory=list)
    emojis: list[str] = field(default_factory=list)


class TextBuilder:
    """Assemble a text piece by piece, recording entity offsets as it goes.

    Args:
        handles: Screen names of the users, by user index (for mentions).
    """

    __slots__ = ("_emojis", "_hashtags", "_mentions", "_n", "_parts", "_urls", "handles")

    def __init__(self, handles: Sequence[str]) -> None:
        self.handles = handles
        self._parts: list[str] = []
        self._n = 0
        self._hashtags: list[tuple[int, int, str]] = []
        self._mentions: list[tuple[int, int, int]] = []
        self._urls: list[tuple[int, int, str, str]] = []
        self._emojis: list[str] = []

    def reset(self) -> None:
        """Start a new text."""
        self._parts = []
        self._n = 0
        self._hashtags = []
        self._mentions = []
        self._urls = []
        self._emojis = []

    def word(self, text: str) -> None:
        """Append plain text, separated by a space from what came before."""
        if not text:
            return
        if self._n:
            self._parts.append(" ")
            self._n += 1
        self._parts.append(text)
        self._n += len(text)

    def raw(self, text: str) -> None:
        """Append plain text with no separator (punctuation)."""
        self._parts.append(text)
        self._n += len(text)

    def hashtag(self, tag: str) -> None:
        """Append ``#tag``."""
        if self._n:
            self._parts.append(" ")
            self._n += 1
        start = self._n
        self._parts.append("#" + tag)
        self._n += len(tag) + 1
        self._hashtags.append((start, self._n, tag))

    def mention(self, user: int) -> None:
        """Append ``@handle`` of user index ``user``."""
        if self._n:
            self._parts.append(" ")
            self._n += 1
        handle = self.handles[user]
        start = self._n
        self._parts.append("@" + handle)
        self._n += len(handle) + 1
        self._mentions.append((start, self._n, user))

    def url(self, short: str, expanded: str) -> None:
        """Append a short link that expands to ``expanded``."""
        if self._n:
            self._parts.append(" ")
            self._n += 1
        start = self._n
        self._parts.append(short)
        self._n += len(short)
        self._urls.append((start, self._n, short, expanded))

    def emojis(self, seqs: Sequence[str], *, joined: bool = True) -> None:
        """Append emoji sequences, adjacent (``joined``) or separated by spaces."""
        if not seqs:
            return
        if joined:
            self.word("".join(seqs))
        else:
            for s in seqs:
                self.word(s)
        self._emojis.extend(seqs)

    def build(self) -> PostText:
        """Return the text assembled so far with its entities."""
        return PostText(
            "".join(self._parts),
            self._hashtags,
            self._mentions,
            self._urls,
            self._emojis,
        )
