"""Hand-written tables the gazetteer does not hold: aliases, non-places, filler words.

Everything here is general knowledge about how people write places in a profile,
reviewed by hand; nothing is tuned to a test string. Keys are written as
:func:`crowdpulse.geo.normalize.fold` produces them (lower case, no accents, no
punctuation).
"""

from __future__ import annotations

__all__ = [
    "ABBREVIATION_CODES",
    "COUNTRY_ALIASES",
    "DEMONYMS",
    "FILLER",
    "INSTITUTION_WORDS",
    "NON_PLACES",
    "PLACE_ALIASES",
    "SHORT_ALIASES",
    "STATE_ALIASES",
    "STATE_NICKNAMES",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Country names people write that ISO and GeoNames do not list (or list ambiguously).
COUNTRY_ALIASES: dict[str, str] = {
    "usa": "US", "america": "US", "united states of america": "US", "the states": "US",
    "us of a": "US", "murica": "US", "merica": "US", "estados unidos": "US",
    "etats unis": "US", "vereinigte staaten": "US", "stati uniti": "US",
    "united kingdom": "GB", "great britain": "GB", "britain": "GB",
    "u k": "GB", "blighty": "GB",
    "ksa": "SA", "saudi": "SA", "saudi arabia": "SA",
    "uae": "AE", "emirates": "AE", "the emirates": "AE",
    "drc": "CD", "dr congo": "CD", "democratic republic of congo": "CD",
    "congo brazzaville": "CG", "congo kinshasa": "CD",
    "korea": "KR", "south korea": "KR", "s korea": "KR", "north korea": "KP",
    "holland": "NL", "the netherlands": "NL",
    "russia": "RU", "persia": "IR", "burma": "MM", "czech republic": "CZ",
    "ivory coast": "CI", "cape verde": "CV", "east timor": "TL", "swaziland": "SZ",
    "macedonia": "MK", "vatican": "VA", "vatican city": "VA", "turkey": "TR",
    "the gambia": "GM", "the bahamas": "BS", "the philippines": "PH", "phillipines": "PH",
    "phillippines": "PH", "pilipinas": "PH", "bharat": "IN", "hindustan": "IN",
    "nippon": "JP", "nihon": "JP", "zhongguo": "CN", "mainland china": "CN", "prc": "CN",
    "roc": "TW", "kosovo": "XK", "palestine": "PS", "palestinian territories": "PS",
    "puerto rico": "PR", "usvi": "VI", "us virgin islands": "VI",
    "st croix": "VI", "bvi": "VG", "british virgin islands": "VG", "tortola": "VG",
    "st martin": "MF", "saint martin": "MF", "st maarten": "SX", "sint maarten": "SX",
    "st barts": "BL", "st barths": "BL", "st barth": "BL", "saint barth": "BL",
    "st kitts": "KN", "saint kitts": "KN", "st kitts and nevis": "KN", "nevis": "KN",
    "antigua": "AG", "barbuda": "AG", "turks and caicos": "TC", "tci": "TC",
    "trinidad": "TT", "tobago": "TT", "hong kong": "HK", "macau": "MO", "macao": "MO",
    "new zealand": "NZ", "aotearoa": "NZ", "eire": "IE", "the republic of ireland": "IE",
}  # fmt: skip

# Names of US states people write beside the official ones (AP abbreviations, nicknames).
STATE_ALIASES: dict[str, str] = {
    "cali": "CA", "calif": "CA", "socal": "CA", "so cal": "CA", "norcal": "CA", "nor cal": "CA",
    "ariz": "AZ", "colo": "CO", "conn": "CT", "fla": "FL", "minn": "MN", "okla": "OK",
    "tenn": "TN", "wis": "WI", "wisc": "WI", "wyo": "WY", "nebr": "NE", "penna": "PA",
    "mass": "MA", "mich": "MI", "wash": "WA", "washington state": "WA", "wa state": "WA",
    "dist of columbia": "DC", "new york state": "NY", "nys": "NY", "upstate new york": "NY",
    "upstate ny": "NY", "inland empire": "CA", "silicon valley": "CA", "bay area": "CA",
    "sf bay area": "CA", "the bay area": "CA", "east bay": "CA", "south bay": "CA",
}  # fmt: skip

# The usual nickname of each US state ("the Lone Star State"), as the states themselves
# and their tourism boards use them; a leading "the" is a filler word.
STATE_NICKNAMES: dict[str, str] = {
    "heart of dixie": "AL", "yellowhammer state": "AL", "last frontier": "AK",
    "grand canyon state": "AZ", "natural state": "AR", "golden state": "CA",
    "centennial state": "CO", "constitution state": "CT", "nutmeg state": "CT",
    "first state": "DE", "sunshine state": "FL", "peach state": "GA", "aloha state": "HI",
    "gem state": "ID", "prairie state": "IL", "land of lincoln": "IL",
    "hoosier state": "IN", "hawkeye state": "IA", "sunflower state": "KS",
    "bluegrass state": "KY", "pelican state": "LA", "pine tree state": "ME",
    "old line state": "MD", "bay state": "MA", "great lakes state": "MI",
    "wolverine state": "MI", "north star state": "MN",
    "magnolia state": "MS", "show me state": "MO", "treasure state": "MT",
    "big sky country": "MT", "cornhusker state": "NE", "silver state": "NV",
    "granite state": "NH", "garden state": "NJ", "land of enchantment": "NM",
    "empire state": "NY", "tar heel state": "NC", "peace garden state": "ND",
    "buckeye state": "OH", "sooner state": "OK", "beaver state": "OR",
    "keystone state": "PA", "ocean state": "RI", "palmetto state": "SC",
    "mount rushmore state": "SD", "volunteer state": "TN", "lone star state": "TX",
    "beehive state": "UT", "green mountain state": "VT", "old dominion": "VA",
    "evergreen state": "WA", "mountain state": "WV", "badger state": "WI",
    "equality state": "WY", "cowboy state": "WY",
}  # fmt: skip
STATE_ALIASES.update(STATE_NICKNAMES)

# Widely used nicknames of cities and regions: key -> (country, US state or "").
PLACE_ALIASES: dict[str, tuple[str, str]] = {
    "nyc": ("US", "NY"), "new york city": ("US", "NY"), "big apple": ("US", "NY"),
    "the big apple": ("US", "NY"), "philly": ("US", "PA"), "nola": ("US", "LA"),
    "vegas": ("US", "NV"), "chitown": ("US", "IL"), "chi town": ("US", "IL"),
    "san fran": ("US", "CA"), "frisco": ("US", "CA"),
    "pnw": ("US", ""), "pacific northwest": ("US", ""),
    "midwest": ("US", ""), "the midwest": ("US", ""), "new england": ("US", ""),
    "dfw": ("US", "TX"), "htx": ("US", "TX"), "atx": ("US", "TX"), "stl": ("US", "MO"),
    "bmore": ("US", "MD"), "motown": ("US", "MI"), "nashvegas": ("US", "TN"),
    "ldn": ("GB", ""), "mcr": ("GB", ""), "brum": ("GB", ""), "hk": ("HK", ""),
    "cdmx": ("MX", ""), "bombay": ("IN", ""), "calcutta": ("IN", ""), "madras": ("IN", ""),
    "ncr": ("IN", ""), "delhi ncr": ("IN", ""), "saigon": ("VN", ""), "peking": ("CN", ""),
}  # fmt: skip

# Short aliases (three letters or fewer) follow the rules of two-letter codes: they count
# only when written in capitals, or alone in their segment, or after a place ("Venice, CA").
SHORT_ALIASES: dict[str, tuple[str, str]] = {
    "la": ("US", "CA"), "sf": ("US", "CA"), "dc": ("US", "DC"), "atl": ("US", "GA"),
    "uk": ("GB", ""), "uae": ("AE", ""),
    "ksa": ("SA", ""), "nyc": ("US", "NY"), "phx": ("US", "AZ"),
    "ldn": ("GB", ""), "bvi": ("VG", ""),
}  # fmt: skip

# Two-letter country codes that are everyday abbreviations written in capitals (TV:
# television, not Tuvalu; FM / AM: radio bands; AI; PM; CV; VC; TM): alone they name no
# country, only beside another part of the location ("Funafuti, TV").
ABBREVIATION_CODES: frozenset[str] = _words("tv fm am ai pm cv vc tm")

# Words of institution names ("Stanford University", "University of Michigan"): never a
# city ("University", Florida), and they make their segment noisy, so that only strong
# names in it count (a state, a country, a large city).
INSTITUTION_WORDS: frozenset[str] = _words(
    "university universidad universita universite universitat univ uni college institute "
    "polytechnic school academy campus"
)

# Phrases that are not a place on Earth one can put in a country; key -> category.
_NON_PLACE_GROUPS: dict[str, str] = {
    "world": (
        "earth|planet earth|the earth|world|the world|worldwide|world wide|global|globe|"
        "everywhere|anywhere|around the world|all over the world|all over|all around|"
        "international|the planet|planet|universe|the universe|multiverse|metaverse|galaxy|"
        "space|outer space|the moon|moon|mars|internet|the internet|online|cyberspace|"
        "the web|web|the cloud|cloud|somewhere on earth|third rock from the sun|"
        "everywhere and nowhere|here and there|the globe|worldwide web"
    ),
    "nowhere": (
        "nowhere|somewhere|here|there|home|at home|my home|my house|your house|right here|"
        "over here|over there|out there|near you|nearby|local|your area|in your area|"
        "behind you|next door|where you are|wherever|wherever i am|anywhere but here|"
        "on the road|the road|in transit|on the move|travelling|traveling|in between|"
        "middle of nowhere|the middle of nowhere|in the middle of nowhere|not here|"
        "unknown|undisclosed|secret|classified|private|none|n a|na|tbd|location|"
        "my location|your location|current location|somewhere out there|lost|"
        "somewhere in the world|a place|some place|someplace|the place|this place"
    ),
    "imaginary": (
        "in your heart|your heart|my heart|in my heart|in your head|your head|my head|"
        "in my head|your mind|my mind|in my mind|in your dreams|your dreams|my dreams|"
        "dreams|dreamland|dream land|heaven|hell|paradise|the void|void|limbo|purgatory|"
        "wonderland|neverland|narnia|hogwarts|middle earth|gotham|gotham city|wakanda|"
        "atlantis|mordor|westeros|asgard|rivendell|the shire|utopia|la la land|lalaland|"
        "fairyland|candyland|somewhere over the rainbow|over the rainbow|the matrix|"
        "the upside down|upside down|valhalla|olympus|mount olympus|el dorado|shangri la|"
        "tatooine|hyrule"
    ),
    "social media": (
        "dm|dms|dm me|dm for|follow me|follow|followback|follow back|ig|instagram|twitter|"
        "tiktok|youtube|snapchat|onlyfans|facebook|link below|link in bio|bio|see bio|"
        "fan account|fanaccount|fan acc|stan account|parody|parody account|rp|roleplay|"
        "nsfw|sfw|minor|minors dni|dni|18|spotify|twitch|discord|telegram|whatsapp"
    ),
    "identity": (
        "pronouns|any pronouns|bi|gay|lesbian|lgbt|lgbtq|lgbtqia|queer|trans|nonbinary|"
        "non binary|enby|nb|ace|aro|pan|they them|she her|he him"
    ),
    "world region": (
        "europe|africa|asia|north america|south america|latin america|central america|"
        "the americas|americas|caribbean|the caribbean|west indies|middle east|"
        "the middle east|mena|oceania|antarctica|scandinavia|nordics|the nordics|balkans|"
        "the balkans|benelux|eu|european union|the west|east africa|west africa|"
        "southern africa|north africa|sub saharan africa|southeast asia|south east asia|"
        "south asia|east asia|central asia|asia pacific|apac|emea|latam|british isles|"
        "the gulf|gulf|mediterranean|the mediterranean|pacific|atlantic|the pacific|"
        "the atlantic|arctic|the arctic|eurasia|levant|the levant|north|south|east|west|"
        "the north|the south|the east|up north|down south|out west|back east|east coast|"
        "west coast|the east coast|the west coast|left coast|gulf coast"
    ),
}
NON_PLACES: dict[str, str] = {
    phrase: category
    for category, phrases in _NON_PLACE_GROUPS.items()
    for phrase in phrases.split("|")
}

# Words that carry no place but do not make a location noisy ("near London", "South Florida").
FILLER: frozenset[str] = _words(
    "in at near from of the and on by upon to de del della dei di da do dos das du des la le "
    "les el los las lo y e et und an am im von van der den och og i a en ii iii city town "
    "village county state province region area metro metropolitan greater outside suburbs "
    "suburb based living live lives born raised bred currently now originally formerly via "
    "mostly sometimes usually proud hometown home location located north south east west "
    "northern southern eastern western central upstate downstate downtown uptown midtown "
    "inner outer rural northeast northwest southeast southwest ne nw se sw northside "
    "southside eastside westside side lower upper just somewhere ut iphone geo gps loc base "
    "hq valley beach coast island islands lake lakes hills river shore peninsula"
)

# Nationalities, used only when a location names no place at all ("Proud Nigerian").
DEMONYMS: dict[str, str] = {
    "american": "US", "british": "GB", "english": "GB", "scottish": "GB", "welsh": "GB",
    "irish": "IE", "french": "FR", "german": "DE", "italian": "IT", "spanish": "ES",
    "portuguese": "PT", "dutch": "NL", "belgian": "BE", "swiss": "CH", "austrian": "AT",
    "swedish": "SE", "norwegian": "NO", "danish": "DK", "finnish": "FI", "polish": "PL",
    "greek": "GR", "turkish": "TR", "russian": "RU", "ukrainian": "UA", "indian": "IN",
    "pakistani": "PK", "bangladeshi": "BD", "chinese": "CN", "japanese": "JP",
    "korean": "KR", "filipino": "PH", "filipina": "PH", "pinoy": "PH", "pinay": "PH",
    "indonesian": "ID", "malaysian": "MY", "thai": "TH", "vietnamese": "VN",
    "australian": "AU", "aussie": "AU", "canadian": "CA", "mexican": "MX",
    "brazilian": "BR", "argentine": "AR", "argentinian": "AR", "chilean": "CL",
    "colombian": "CO", "venezuelan": "VE", "peruvian": "PE", "cuban": "CU",
    "puerto rican": "PR", "boricua": "PR", "haitian": "HT", "jamaican": "JM",
    "nigerian": "NG", "naija": "NG", "ghanaian": "GH", "kenyan": "KE",
    "south african": "ZA", "egyptian": "EG", "moroccan": "MA", "algerian": "DZ",
    "tunisian": "TN", "ethiopian": "ET", "israeli": "IL", "palestinian": "PS",
    "lebanese": "LB", "syrian": "SY", "iraqi": "IQ", "iranian": "IR", "saudi": "SA",
    "emirati": "AE", "qatari": "QA", "kuwaiti": "KW", "new zealander": "NZ",
    "singaporean": "SG", "sri lankan": "LK", "nepali": "NP", "afghan": "AF",
}  # fmt: skip
