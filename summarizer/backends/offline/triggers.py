"""Trigger words and phrases: what marks a sentence as reporting an event, and of what type.

A rule has a role as well as a type. Most rules name the type outright ("air
strike", "earthquake", "sentenced"). Some words need the rest of the sentence:
an attack is a battle when soldiers are hit, violence against civilians when
villagers are, a riot when protesters are (ASSAULT); "killed" or "dead" only says
people died, in whatever event the sentence reports (KILLING); a toll reports on an
earlier deadly event (TOLL); an arrest is a strategic development, as the labelled-article
contract types it, read with the charges and rulings of its case (ARREST).

Each rule lists anchor words, one of which a sentence must contain before the rule's
pattern is run on it: a regular expression per rule per sentence would cost far
more than the whole rest of the extraction. The anchors are whole words, every form
the pattern can start with.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from summarizer.backends.offline.reading import CJK_SIGN, Sentence
from summarizer.schema import EventType


class Role(str, Enum):
    EVENT = "event"
    ASSAULT = "assault"
    KILLING = "killing"
    TOLL = "toll"
    ARREST = "arrest"


@dataclass(frozen=True)
class Rule:
    role: Role
    event_type: EventType | None
    sub_event_type: str | None
    priority: int
    anchors: tuple[str, ...]
    pattern: re.Pattern[str]


class Trigger(NamedTuple):
    rule: Rule
    start: int
    end: int

    @property
    def event_type(self) -> EventType | None:
        return self.rule.event_type

    @property
    def role(self) -> Role:
        return self.rule.role


_T = EventType
LOOTING = "looting/property destruction"
ARRESTS = "arrests"
VOTE = "election"


def _rules(
    role: Role,
    event_type: EventType | None,
    sub_event_type: str | None,
    priority: int,
    *alternatives: tuple[str, str],
) -> tuple[Rule, ...]:
    """One rule per (anchors, pattern) alternative; a pattern runs only if its anchors occur.

    The anchors of an alternative are words every match of its pattern contains, the
    rarer the better: "rates" for a rate decision rather than "held" or "cut".
    """
    return tuple(
        Rule(
            role,
            event_type,
            sub_event_type,
            priority,
            tuple(anchors.split()),
            re.compile(pattern, re.IGNORECASE),
        )
        for anchors, pattern in alternatives
    )


def _event(
    event_type: EventType, sub_event_type: str | None, priority: int, *alternatives: tuple[str, str]
) -> tuple[Rule, ...]:
    return _rules(Role.EVENT, event_type, sub_event_type, priority, *alternatives)


_AIRCRAFT = (
    r"(?:aircraft|warplanes?|war\s+planes?|jets?|planes|drones?|helicopters?|gunships?|bombers)"
)
_STRIKE_VERBS = r"(?:pounded|bombed|struck|hit|attacked|targeted|shelled|strafed|raided)"
_VEHICLES = (
    r"(?:plane|aircraft|jet|helicopter|bus|coach|car|train|truck|lorry|vehicle|boat|ship|ferry"
    r"|minibus|van|motorcycle|tanker)"
)

_DISEASES = (
    r"(?:ebola|cholera|measles|malaria|dengue|polio|mpox|monkeypox|anthrax|plague"
    r"|meningitis|marburg|lassa\s+fever|yellow\s+fever|bird\s+flu|avian\s+flu|influenza"
    r"|covid(?:-19)?|coronavirus|sars|mers|hiv|tuberculosis|zika|diphtheria|typhoid"
    r"|hepatitis)"
)
# A disease or its spread, named as the cause of something else ("an emergency over ...").
DISEASE = re.compile(rf"\b{_DISEASES}\b|\b(?:outbreak|epidemic|pandemic)s?\b", re.IGNORECASE)

# People who gather for reasons of their own: "refugees gathered at the border" is no protest.
_NOT_GATHERED_BY = "".join(
    f"(?<!{group} {between})"
    for group in (
        "refugees",
        "migrants",
        "mourners",
        "worshippers",
        "pilgrims",
        "relatives",
        "families",
        "rescuers",
        "fans",
        "tourists",
        "survivors",
        "displaced",
    )
    for between in ("", "also ", "had ", "have ", "who ")
)

RULES: tuple[Rule, ...] = (
    # Accidents that look like attacks: an explosion at a plant or a mine is no bombing but
    # an industrial accident, whichever determiner names the site ("the explosion at the mine").
    *_event(
        _T.ACCIDENT,
        "industrial accident",
        95,
        (
            "explosion blast explosions blasts",
            r"\b(?:gas|methane|boiler|chemical|fireworks?|factory|plant|pipeline|tanker|warehouse"
            r"|fuel|refinery|mine|mining|colliery)\s+(?:\w+\s+)?(?:explosion|blast)s?\b"
            r"|\b(?:explosion|blast)\s+(?:at|in)\s+(?:an?|the|its|their)\s+(?:[\w-]+\s+){0,2}"
            r"(?:factory|plant|warehouse|refinery|depot|mine|colliery|pit|mill|workshop)\b",
        ),
    ),
    # A fire at a plant is a disaster of its own kind, not an attack either.
    *_event(
        _T.DISASTER,
        "industrial fire",
        95,
        (
            "fire fires",
            r"\b(?:gas|boiler|chemical|fireworks?|factory|plant|pipeline|tanker|warehouse|fuel"
            r"|refinery)\s+(?:\w+\s+)?fires?\b"
            r"|\bfire\s+(?:at|in)\s+(?:an?|the|its|their)\s+(?:[\w-]+\s+){0,2}"
            r"(?:factory|plant|warehouse|refinery|depot|mine|market)\b",
        ),
    ),
    # Explosions and remote violence.
    *_event(
        _T.EXPLOSION_REMOTE_VIOLENCE,
        "air/drone strike",
        90,
        (
            "strike strikes raid raids attack attacks bombardment airstrike airstrikes",
            r"\b(?:air|drone)[\s-]?(?:strikes?|raids?|attacks?|bombardment)\b|\bairstrikes?\b",
        ),
        (
            "pounded bombed struck hit attacked targeted shelled strafed raided",
            rf"\b{_AIRCRAFT}\s+(?:\w+\s+)?{_STRIKE_VERBS}\b",
        ),
    ),
    *_event(
        _T.EXPLOSION_REMOTE_VIOLENCE,
        "suicide bomb",
        91,
        (
            "suicide",
            r"\bsuicide\s+(?:car\s+|truck\s+|vest\s+)?(?:bomb(?:er|ers|ing|ings|s)?|attacks?"
            r"|blasts?)\b",
        ),
        ("blew self", r"\bblew\s+(?:himself|herself|themselves)\s+up\b|\bself-detonat\w*"),
    ),
    *_event(
        _T.EXPLOSION_REMOTE_VIOLENCE,
        "remote explosive/landmine/IED",
        90,
        (
            "bomb bombs device devices",
            r"\b(?:roadside|car|truck|parcel|motorcycle|motorbike|improvised)\s+(?:bombs?"
            r"|explosive\s+devices?)\b",
        ),
        ("ied ieds", r"\bIEDs?\b"),
        ("landmine landmines mine mines", r"\bland\s?mines?\b|\bmine\s+(?:blast|explosion)"),
        ("booby", r"\bbooby-trapped\b"),
    ),
    *_event(
        _T.EXPLOSION_REMOTE_VIOLENCE,
        "shelling/artillery/missile attack",
        90,
        ("shelling shelled", r"\bshell(?:ing|ed)\b"),
        ("artillery", r"\bartillery\b"),
        ("mortar mortars", r"\bmortars?\s+(?:fire|attacks?|rounds?|shells?|bombs?)\b"),
        (
            "rocket rockets missile missiles mortar mortars",
            r"\brockets?\s+(?:\w+\s+){0,2}?(?:fire|fired|attacks?|landed|hit|struck|slammed)\b"
            r"|\bfired\s+(?:\w+\s+)?(?:rockets?|missiles?|mortars?)\b"
            r"|\bmissiles?\s+(?:\w+\s+)?(?:attacks?|strikes?|hit|struck|slammed|landed)\b",
        ),
        (
            # "killed by mortar shells": the weapon, stated after the harm it did.
            "rocket rockets missile missiles mortar mortars shells grenade grenades",
            r"\b(?:killed|hit|struck|wounded|injured|attacked|targeted|destroyed|damaged)\s+"
            r"(?:\w+\s+)?(?:by|with)\s+(?:\w+\s+){0,2}?(?:rockets?|missiles?|mortars?|shells"
            r"|grenades?)\b",
        ),
        (
            "bombarded bombardment bombarding barrel",
            r"\bbombard(?:ed|ment|ing)\b|\bbarrel\s+bombs?\b",
        ),
    ),
    *_event(_T.EXPLOSION_REMOTE_VIOLENCE, "grenade", 90, ("grenade grenades", r"\bgrenades?\b")),
    *_event(
        _T.EXPLOSION_REMOTE_VIOLENCE,
        None,
        88,
        (
            "bomb bombs bombing bombings bombed blast blasts explosion explosions exploded "
            "detonated",
            r"\b(?:bomb|bombs|bombing|bombings|bombed|blast|blasts|explosions?|exploded"
            r"|detonated)\b",
        ),
        ("bomber bombers", r"\bbombers?\s+struck\b"),
        (
            # A charge that "went off" exploded, whoever set it.
            "off",
            r"\b(?:bombs?|devices?|explosives?|charges?|grenades?)\s+(?:\w+\s+)?went\s+off\b",
        ),
    ),
    # Bombs thrown by hand are a crowd's weapons, not remote violence: "hurled gas bombs at the
    # police" is a riot, so it outranks the bomb it names.
    *_event(
        _T.RIOT,
        "violent demonstration",
        89,
        (
            "bombs",
            r"\b(?:threw|throwing|hurled|hurling|pelted|pelting)\s+(?:\w+\s+){0,2}(?:petrol|gas"
            r"|fire|incendiary|paint|smoke)\s+bombs\b",
        ),
    ),
    # Riots: violent crowds, and crowds attacked by other crowds.
    *_event(
        _T.RIOT,
        "violent demonstration",
        85,
        (
            "riot riots rioted rioting rioters",
            r"(?<!anti-)\briot(?:s|ed|ing|ers)?\b(?!\s+(?:police|gear|squad|officers|control"
            r"|shields?|vans?|units?|act))",
        ),
        ("mob mobs lynch lynched lynching lynchings", r"\bmobs?\b|\blynch(?:ed|ing|ings)?\b"),
        (
            "stones rocks bottles cocktails firebombs projectiles bricks",
            r"\b(?:threw|throwing|hurled|hurling|pelted|pelting)\s+(?:\w+\s+){0,2}(?:stones|rocks"
            r"|bottles|molotov\s+cocktails|firebombs|projectiles|bricks)\b",
        ),
        ("stoned", r"\bstoned\s+(?:police|officers|security|cars|vehicles|the)\b"),
        ("tyres tires", r"\bburning\s+(?:tyres|tires)\b"),
        ("torched", r"\btorched\b"),
        ("windows", r"\bsmash(?:ed|ing)\s+(?:\w+\s+){0,4}windows\b"),
        ("vandalised vandalized", r"\bvandali[sz]ed\b"),
    ),
    # Battles.
    *_event(
        _T.BATTLE,
        "armed clash",
        80,
        ("clash clashes clashed", r"\bclash(?:es|ed)?\b"),
        ("fighting fought", r"\bfighting\b|\bfought\b"),
        (
            "battle battles gunbattle",
            r"(?<!legal )(?<!political )(?<!court )(?<!uphill )\b(?:gun\s?)?battles?\b"
            r"(?!\s+(?:over|for)\s+(?:control\s+of\s+the\s+)?(?:votes|custody|the\s+presidency))",
        ),
        ("firefight firefights", r"\bfirefights?\b"),
        (
            "fire",
            r"\bexchang(?:ed|es|ing)\s+(?:of\s+)?fire\b|\bexchange\s+of\s+fire\b|\breturned\s+fire\b",
        ),
        ("repel repelled repels repulsed", r"\brepel(?:led|s)?\b|\brepulsed\b"),
        ("skirmish skirmishes", r"\bskirmish(?:es)?\b"),
    ),
    *_event(
        _T.BATTLE,
        "government regains territory",
        80,
        (
            "recaptured recapture recapturing retook retake retaken retaking",
            r"\brecaptur(?:e|ed|ing)\b|\bretook\b|\bretak(?:e|en|ing)\b",
        ),
        ("liberated liberate liberating liberation", r"\bliberat(?:ed|e|ing|ion)\b"),
        (
            "freed",
            r"\bfreed\s+(?:\w+\s+){0,2}(?:villages?|towns?|areas?|districts?|neighbou?rhoods?"
            r"|city|territory)\b",
        ),
        ("regained regain", r"\bregain(?:ed)?\s+control\b"),
    ),
    *_event(
        _T.BATTLE,
        None,
        79,
        (
            "offensive counteroffensive",
            r"\b(?:an?|the|new|major|military|ground|spring|final)\s+(?:\w+\s+)?(?:counter-?)?"
            r"offensive\b|\b(?:counter-?)?offensive\s+(?:on|against|to|in)\b",
        ),
        (
            "advance advanced advances advancing",
            r"\badvance[sd]?\s+(?:on|to|into|towards?)\b|\ba\s+(?:new\s+)?advance\b|\badvancing\b",
        ),
        (
            "captured capture capturing",
            r"\bcaptur(?:ed|e|ing)\s+(?:the\s+)?(?:[\w-]+-held\s+)?(?:town|city|village|base"
            r"|district|area|territory|airport|positions?|hill|[A-Z])",
        ),
        (
            "seized",
            r"\bseized\s+(?:control\s+of\s+)?(?:the\s+)?(?:[\w-]+-held\s+)?(?:town|city|village"
            r"|base|district|area|territory|airport|positions?)\b",
        ),
        ("overran overrun", r"\boverr(?:an|un)\b"),
        ("besieged besieging siege", r"\bbesieg(?:ed|ing)\b|\bsiege\b"),
        (
            "drove driven pushed",
            r"\bdr(?:ove|iven)\s+(?:\w+\s+){0,3}out\b|\bpushed\s+(?:\w+\s+){0,2}out\b",
        ),
        ("control", r"\btook\s+control\s+of\b"),
    ),
    # Violence against civilians.
    *_event(
        _T.VIOLENCE_AGAINST_CIVILIANS,
        "attack",
        75,
        ("massacre massacres massacred", r"\bmassacr(?:e|es|ed)\b"),
        (
            # Not "executed a planned shutdown": a plan or an order carried out.
            "executed execution executions",
            r"\bexecut(?:ed|ions?)\b(?!\s+(?:order|warrant))(?!\s+(?:a|an|the|its|their)\s+"
            r"(?:[\w-]+\s+){0,2}?(?:plan|shutdown|order|strategy|operation|programme|program"
            r"|project|campaign|contract|transaction|deal|trade|move|search|policy)s?\b)",
        ),
        ("behead beheaded beheading beheadings", r"\bbehead(?:ed|ing|ings)?\b"),
        ("hacked", r"\bhacked\s+to\s+death\b"),
        ("alive", r"\bburn(?:ed|t)\s+alive\b"),
        ("tortured", r"\btortured\b"),
    ),
    *_event(
        _T.VIOLENCE_AGAINST_CIVILIANS,
        "abduction/forced disappearance",
        75,
        (
            "abduct abducted abduction abductions abducting kidnap kidnapped kidnapping "
            "kidnappings",
            r"\babduct(?:ed|ions?|ing)?\b|\bkidnap(?:ped|ping|pings)?\b",
        ),
        ("hostage hostages", r"\btaken\s+hostage\b|\bseized\s+(?:\w+\s+)?hostages?\b"),
    ),
    *_event(
        _T.VIOLENCE_AGAINST_CIVILIANS,
        "sexual violence",
        74,
        ("raped gang", r"\braped\b|\bgang-rape"),
    ),
    # Disasters.
    *_event(
        _T.DISASTER,
        "earthquake",
        70,
        (
            "earthquake earthquakes quake quakes tremor tremors aftershock aftershocks",
            r"\b(?:earth)?quakes?\b|\btremors?\b|\baftershocks?\b",
        ),
        ("epicentre epicenter", r"\bepicent(?:re|er)\b"),
        ("magnitude", r"\bmagnitude\s+\d"),
        ("tsunami tsunamis", r"\btsunamis?\b"),
    ),
    *_event(
        _T.DISASTER,
        "flood",
        70,
        (
            "flood floods flooding flooded floodwater floodwaters",
            r"\bfloods?\b|\bflooding\b|\bflooded\b|\bfloodwaters?\b",
        ),
        (
            "rain rains rainfall downpour downpours",
            r"\btorrential\s+rains?\b|\bdownpours?\b|\bheavy\s+(?:rains?|rainfall)\b"
            r"|\bmonsoon\s+rains\b",
        ),
        ("banks", r"\bburst\s+(?:its|their)\s+banks\b"),
    ),
    *_event(
        _T.DISASTER,
        "landslide",
        70,
        ("landslide landslides mudslide mudslides", r"\b(?:land|mud)slides?\b"),
        ("ground", r"\bthe\s+ground\s+gave\s+way\b"),
        ("sinkhole sinkholes", r"\bsinkholes?\b"),
    ),
    *_event(
        _T.DISASTER,
        "storm",
        70,
        (
            "cyclone cyclones hurricane hurricanes typhoon typhoons tornado tornadoes tornados "
            "storm storms blizzard blizzards",
            r"\bcyclones?\b|\bhurricanes?\b|\btyphoons?\b|\btornado(?:e?s)?\b|\bstorms?\b(?![-\w])"
            r"|\bblizzards?\b",
        ),
    ),
    *_event(
        _T.DISASTER,
        "wildfire",
        70,
        (
            "wildfire wildfires bushfire bushfires forest blaze blazes",
            r"\b(?:wild|bush)fires?\b|\bforest\s+fires?\b|\bblazes?\b",
        ),
        (
            "fire fires",
            r"\bfires?\s+(?:that\s+)?(?:broke\s+out|swept|gutted|engulfed|ripped|tore|destroyed"
            r"|raged|razed)\b|\b(?:huge|massive|large|deadly|major)\s+fire\b",
        ),
    ),
    *_event(
        _T.DISASTER,
        None,
        70,
        (
            "drought droughts heatwave heatwaves heat avalanche avalanches volcano volcanoes "
            "volcanic eruption eruptions",
            r"\bdroughts?\b|\bheat\s?waves?\b|\bavalanches?\b|\bvolcan(?:o|oes|ic)\b|\beruptions?\b",
        ),
        (
            "collapsed collapse",
            r"\b(?:buildings?|houses?|homes?|blocks?)\s+(?:\w+\s+)?collapsed\b"
            r"|\b(?:building|bridge|dam|mine)\s+collapse\b",
        ),
    ),
    # Accidents.
    *_event(
        _T.ACCIDENT,
        "transport accident",
        68,
        (
            "crash crashed crashes",
            rf"\b{_VEHICLES}\s+(?:\w+\s+){{0,2}}crash(?:ed|es)?\b"
            r"|\b(?:air|road|traffic|rail)\s+crash(?:es)?\b"
            r"|\bcrashed\s+(?:into|near|in|on|shortly|after|while|off)\b"
            r"|\b(?:the|a|deadly|fatal)\s+crash\b",
        ),
        ("collided collision collisions", r"\bcollided\b|\bcollisions?\b"),
        ("derailed derailment derailing", r"\bderail(?:ed|ment|ing)\b"),
        ("capsized capsize capsizing", r"\bcapsiz(?:ed|e|ing)\b"),
        (
            "sank sinking aground shipwreck shipwrecks",
            r"\bsank\b|\bsinking\b|\bran\s+aground\b|\bshipwrecks?\b",
        ),
        ("overturned", r"\boverturned\b"),
        (
            # A craft that left its runway, road or track: "overshot the runway".
            "overshot overran skidded veered slid",
            r"\b(?:overshot|overran|skidded\s+off|veered\s+off|slid\s+off)\s+(?:the\s+|a\s+)?"
            r"(?:[\w-]+\s+)?(?:runway|road|track|tracks|rails|highway|bridge|motorway)\b",
        ),
        ("crash-landed crash-landing", r"\bcrash-land(?:ed|ing)\b"),
        (
            "plunged",
            r"\bplunged\s+(?:into|off|down)\s+(?:a|an|the)\s+(?:river|ravine|gorge|valley|canal|sea)\b",
        ),
        ("accident accidents", r"(?<!market )\baccidents?\b"),
        ("stampede stampedes", r"\bstampedes?\b"),
    ),
    *_event(
        _T.ACCIDENT,
        "transport accident",
        67,
        (
            "hit struck slammed ploughed ran smashed",
            rf"\b{_VEHICLES}\b[^.;]{{0,60}}?\b(?:hit|struck|slammed\s+into|ploughed\s+into"
            r"|ran\s+into|smashed\s+into)\s+(?:a|an|the|their|its|his|her)\s+(?:\w+\s+){0,2}"
            rf"(?:{_VEHICLES}|train|tree|wall|pole|bridge|barrier|pedestrians?)\b",
        ),
    ),
    # Economic news.
    *_event(
        _T.ECONOMIC,
        "interest rate decision",
        67,
        (
            "rate rates",
            r"\b(?:raised|raises|raise|raising|lifted|lifts|lift|hiked|hikes|hike|cut|cuts|cutting"
            r"|lowered|lowers|lower|reduced|held|holds|hold|kept|keeps|keep|left|leaves|increased)"
            r"\s+(?:its\s+|their\s+|the\s+)?(?:\w+\s+){0,2}(?:interest\s+rates?|bank\s+rate"
            r"|policy\s+rate|benchmark\s+(?:interest\s+)?rate|key\s+(?:interest\s+)?rate|repo\s+rate"
            r"|cash\s+rate|lending\s+rate|rates)\b|\brate\s+(?:hikes?|cuts?|rises?|increases?"
            r"|decisions?)\b",
        ),
    ),
    *_event(
        _T.ECONOMIC,
        "markets",
        66,
        (
            "rose fell jumped slumped tumbled plunged plummeted surged soared rallied climbed "
            "dropped slid sank gained lost crashed hit",
            r"\b(?:shares|stocks|markets?|indexes|indices|index|futures|bonds?|yields?|currency"
            r"|sterling|pound|dollar|euro|yen|rupee|lira|bitcoin|oil|gold|crude|prices?)\s+"
            r"(?:\w+\s+)?(?:rose|fell|jumped|slumped|tumbled|plunged|plummeted|surged|soared"
            r"|rallied|climbed|dropped|slid|sank|gained|lost|crashed|hit\s+a)\b",
        ),
    ),
    *_event(
        _T.ECONOMIC,
        "economic data",
        66,
        (
            "inflation",
            r"\binflation\s+(?:\w+\s+){0,2}(?:rose|fell|slowed|accelerated|eased|jumped|stood|hit"
            r"|climbed|dropped|reached)\b",
        ),
        (
            "grew shrank contracted expanded rose fell slowed accelerated jumped dropped declined "
            "increased",
            r"\b(?:gdp|gross\s+domestic\s+product|economy|economic\s+growth|output|exports|imports"
            r"|unemployment|jobless\s+rate|retail\s+sales|industrial\s+production|trade\s+"
            r"(?:deficit|surplus))\s+(?:\w+\s+){0,2}(?:grew|shrank|contracted|expanded|rose|fell"
            r"|slowed|accelerated|jumped|dropped|declined|increased)\b",
        ),
        ("recession", r"\brecession\b"),
    ),
    *_event(
        _T.ECONOMIC,
        "company news",
        66,
        (
            "profit profits revenue revenues earnings sales losses",
            r"\b(?:profits?|revenues?|earnings|sales|losses)\s+(?:\w+\s+){0,2}(?:rose|fell|jumped"
            r"|slumped|doubled|increased|decreased|declined|beat|missed|surged|plunged)\b",
        ),
        (
            "acquire acquired acquires acquiring acquisition merger takeover buyout bid",
            r"\b(?:acquir(?:e|ed|es|ing)|acquisition|merger|takeover|buyout)\b|\bbid\s+for\b",
        ),
        (
            # "a $5 billion charge", "a $2 billion hit to profits": a sum a company books.
            "charge charges writedown write-down writedowns impairment impairments hit",
            r"\b(?:an?|its|the)\s+(?:[$\u20ac\u00a3]\s?)?[\d.,]+\s*(?:billion|million|bn|m)?\s+"
            r"(?:[\w-]+\s+)?(?:charges?|write-?downs?|impairments?"
            r"|hit\s+to\s+(?:its\s+)?(?:profits?|earnings|revenues?|income))\b",
        ),
        (
            # A deal to sell or buy a business: "agreed to sell its stores to", "the sale of
            # its Polish unit".
            "sell selling sale sold buy buying purchase purchasing",
            r"\b(?:agree(?:d|ment|s)?|deal|plans?|offer(?:ed)?)\s+(?:\w+\s+){0,3}?(?:to|over|for)\s+"
            r"(?:sell|selling|the\s+sale\s+of|buy|buying|purchase|purchasing)\b"
            r"|\bsale\s+of\s+(?:\w+\s+){0,4}?(?:stores|shops|business(?:es)?|operations?|units?"
            r"|stakes?|assets|division|subsidiary|brand|chain)\b"
            r"|\bsold\s+(?:its|their|a|the)\s+(?:\w+\s+){0,3}?(?:stake|business|unit|division"
            r"|subsidiary|operations?|stores|assets|chain)\b",
        ),
        (
            "operations production output exports flights services mining",
            r"\b(?:suspend(?:ed|s)?|halt(?:ed|s)?|resum(?:ed|es)|shut|closed|slash(?:ed)?)\s+"
            r"(?:\w+\s+){0,2}(?:operations|production|output|exports|flights|services|mining)\b",
        ),
        (
            "bankrupt bankruptcy insolvency laid layoffs job ipo offering bailout default "
            "defaulted tariff tariffs",
            r"\bbankrupt(?:cy)?\b|\binsolvency\b|\blaid\s+off\b|\blayoffs\b|\bjob\s+cuts\b"
            r"|\bIPO\b|\binitial\s+public\s+offering\b|\bbailout\b|\bdefault(?:ed)?\s+on\b"
            r"|\btariffs?\b",
        ),
    ),
    *_event(
        _T.ECONOMIC,
        "price increase",
        65,
        (
            "fares fare prices",
            r"\b(?:increase|rise|hike)s?\s+in\s+(?:\w+\s+){0,3}(?:fares|prices)\b"
            r"|\bfares?\s+(?:\w+\s+)?(?:rose|increase|hike|rise)\b",
        ),
    ),
    # Protests.
    *_event(
        _T.PROTEST,
        "peaceful protest",
        64,
        (
            "protest protests protested protesting",
            r"\bprotest(?:s|ed|ing)?\b(?!\s+(?:camp|site|leaders?|movement|organi[sz]ers?|groups?"
            r"|songs?|votes?|vote))",
        ),
        (
            "demonstration demonstrations demonstrated",
            r"\bdemonstrations?\b|\bdemonstrated\b(?!\s+(?:that|how|its|their|the|a|an))",
        ),
        ("rally rallies rallied", r"\brall(?:y|ies|ied)\b"),
        ("march marched marches marching", r"\bmarch(?:ed|es|ing)\b|(?-i:\bmarch\b)"),
        ("streets", r"\b(?:took|taking|take)\s+to\s+the\s+streets\b"),
        ("sit", r"\bsit-ins?\b"),
        (
            "gathered",
            rf"{_NOT_GATHERED_BY}\bgathered\s+(?:\w+\s+){{0,3}}(?:outside|in\s+front\s+of|at|in)\b",
        ),
        ("vigil vigils", r"\bvigils?\b"),
        (
            "strike strikes walkout walkouts",
            r"\b(?:went|go|goes|going|gone)\s+on\s+(?:a\s+)?(?:[\w-]+\s+)?strike\b|\bstrikes?\s+by\b"
            r"|\bhunger\s+strike\b"
            r"|\bstaged\s+(?:a|an)\s+(?:\w+\s+)?(?:strike|walkout|protest|sit-in)\b|\bwalkouts?\b",
        ),
        ("picket pickets picketed picketing", r"\bpicket(?:s|ed|ing)?\b"),
        (
            # A crowd on strike somewhere: "thousands of striking teachers at the ministry".
            "striking",
            r"\bstriking\s+(?:[\w'-]+\s+){0,2}(?:workers|teachers|nurses|doctors|miners|members"
            r"|employees|drivers|staff|students)\b",
        ),
        (
            # A workforce that "struck" downed tools; a thing that struck them is news of
            # another kind ("workers were struck by a falling crane").
            "struck",
            r"\b(?:workers|teachers|nurses|doctors|miners|employees|drivers|staff|dockers"
            r"|pilots)\s+(?:at\s+(?:[\w'-]+\s+){1,6}|in\s+(?:[\w'-]+\s+){1,3})?struck\b"
            r"(?!\s+(?:by|down|off|a|an|the)\b)",
        ),
        (
            # The crowd as the subject of what it does: "protesters blocked the road".
            "protesters protestors demonstrators marchers",
            r"\b(?:protesters|protestors|demonstrators|marchers)\s+(?:\w+\s+)?(?:pushed|marched"
            r"|gathered|chanted|sang|blocked|converged|massed|waved|carried|shouted|demanded)\b",
        ),
    ),
    # Health.
    *_event(
        _T.HEALTH,
        "outbreak",
        63,
        (
            "outbreak outbreaks epidemic epidemics pandemic pandemics",
            r"\boutbreaks?\b|\bepidemics?\b|\bpandemics?\b",
        ),
        (
            "ebola cholera measles malaria dengue polio mpox monkeypox anthrax plague meningitis "
            "marburg lassa yellow bird avian influenza covid coronavirus sars mers hiv "
            "tuberculosis zika diphtheria typhoid hepatitis",
            rf"\b{_DISEASES}\b",
        ),
        ("positive", r"\btested\s+positive\b"),
        ("vaccination vaccinations", r"\bvaccinations?\s+(?:campaign|drive)\b"),
        (
            "cases infections quarantine quarantined lockdown lockdowns",
            r"\bnew\s+(?:cases|infections)\b|\bconfirmed\s+cases\b|\bquarantined?\b|\blockdowns?\b",
        ),
    ),
    # Legal.
    *_event(
        _T.LEGAL,
        "sentence",
        60,
        ("sentenced sentences sentencing", r"\bsentenc(?:ed|es|ing)\b"),
        ("sentence sentences", r"\b(?:the|a|his|her|their|prison|jail|death|life)\s+sentences?\b"),
        (
            # A court that "handed down the punishment" sentenced, whatever the noun.
            "handed",
            r"\bhand(?:ed|s)\s+down\s+(?:\w+\s+){0,2}(?:sentences?|punishments?|penalt(?:y|ies)"
            r"|(?:jail|prison)\s+terms?)\b",
        ),
        (
            "jailed imprisoned",
            # "was jailed for", not "jailed drug lord".
            r"\b(?:was|were|been|be|is|are|being|and)\s+(?:\w+\s+)?(?:jailed|imprisoned)\b"
            r"|\b(?:jailed|imprisoned)\s+(?:for|on|over|after|in|until)\b",
        ),
    ),
    *_event(
        _T.LEGAL,
        "verdict",
        60,
        ("convicted conviction convictions", r"\bconvict(?:ed|ions?)\b"),
        ("acquitted acquittal", r"\bacquit(?:ted|tal)\b"),
        (
            "guilty",
            r"\bfound\s+(?:\w+\s+)?(?:not\s+)?guilty\b|\bpleaded\s+(?:not\s+)?guilty\b",
        ),
        ("verdict verdicts", r"\bverdicts?\b"),
    ),
    *_event(
        _T.LEGAL,
        "court ruling",
        60,
        (
            "court courts tribunal judge judges justices",
            r"\b(?:court|tribunal|judges?|justices)\s+(?:\w+\s+){0,3}(?:ruled|ordered|rejected"
            r"|upheld|overturned|dismissed|blocked|struck\s+down|found|approved|annulled)\b",
        ),
        ("ruled ruling rulings", r"\bruled\s+(?:that|on|in\s+favou?r|against)\b|\brulings?\b"),
    ),
    *_event(
        _T.LEGAL,
        "charges",
        60,
        ("indicted indictment", r"\bindict(?:ed|ment)\b"),
        (
            "charged charges charge",
            # "charged a young man on Monday with arson": the accused between.
            r"\bcharged\s+(?:[\w'-]+\s+){0,5}?(?:with|over|in)\b|\bcharges?\s+(?:of|against)\b",
        ),
        ("sued lawsuit lawsuits fined", r"\bsued\b|\blawsuits?\b|\bfined\b"),
        ("extradited extradition warrant", r"\bextradit(?:ed|ion)\b|\barrest\s+warrant\b"),
    ),
    *_event(
        _T.LEGAL,
        "investigation",
        60,
        (
            "investigation inquiry probe",
            r"\b(?:opened|launched|began|ordered|announced|set\s+up)\s+an?\s+(?:\w+\s+)?"
            r"(?:investigation|inquiry|probe)\b|\b(?:investigation|inquiry|probe)\s+into\b",
        ),
    ),
    *_rules(
        Role.ARREST,
        _T.STRATEGIC_DEVELOPMENT,
        ARRESTS,
        58,
        (
            "arrest arrested arrests arresting",
            r"\barrest(?:ed|s|ing)?\b(?!\s+warrant)",
        ),
        ("detained detain detaining detains", r"\bdetain(?:ed|ing|s)?\b"),
        ("custody", r"\btaken\s+into\s+custody\b"),
        ("rounded apprehended", r"\brounded\s+up\b|\bapprehended\b"),
    ),
    # Politics.
    *_event(
        _T.POLITICAL,
        "resignation",
        56,
        ("resign resigned resignation resigns resigning", r"\bresign(?:ed|ation|s|ing)?\b"),
        ("down", r"\bstep(?:ped|ping|s)?\s+down\b"),
    ),
    *_event(
        _T.POLITICAL,
        VOTE,
        55,
        ("sworn", r"\bsworn\s+in\b"),
        ("elected", r"\b(?:re-?)?elected\b"),
        ("election elections", r"\belections?\b"),
        (
            # A body that "voted to lift" a measure decided it; that is no election.
            "voted",
            r"\bvoted\b(?!\s+(?:\w+\s+)?(?:to|in\s+favou?r|against|down|through)\b)"
            r"(?!\s+\d+\s*(?:to|-)\s*\d+)",
        ),
        ("referendum", r"\breferendum\b"),
        ("votes voting", r"\bvot(?:es|ing)\s+(?:on|in|for|to)\b"),
        ("visit", r"\b(?:state|official)\s+visit\b"),
    ),
    *_event(
        _T.POLITICAL,
        "appointment",
        55,
        ("appointed appointment", r"\bappoint(?:ed|ment)\b"),
        (
            "named",
            r"\bnamed\s+(?:\w+\s+){0,3}(?:as\s+)?(?:prime\s+minister|president|minister|chief|head"
            r"|leader|ambassador|governor)\b",
        ),
        ("nominated nomination reshuffle", r"\bnominat(?:ed|ion)\b|\breshuffle\b"),
    ),
    *_event(
        _T.POLITICAL,
        "legislation",
        55,
        (
            "law bill legislation budget decree constitution package amendment reform reforms",
            r"\b(?:passed|approved|adopted|signed|vetoed|enacted)\s+(?:a|an|the)?\s*(?:\w+\s+)"
            r"{0,2}(?:law|bill|legislation|budget|decree|constitution|package|amendment|reforms?)\b"
            r"|\b(?:package|law|bill|budget|reforms?)\s+(?:\w+\s+){0,2}(?:approved|passed"
            r"|adopted)\b",
        ),
        (
            # A chamber that voted a law through: "voted 66 to 27 to legalise", "voted to ban".
            "voted",
            r"\bvoted\s+(?:\d+\s*(?:to|-)\s*\d+\s+)?(?:\w+\s+)?(?:to\s+(?:approve|pass|legali[sz]e"
            r"|adopt|ban|amend|repeal|abolish|outlaw|criminali[sz]e|ratify|enact)|in\s+favou?r\s+of"
            r"\s+(?:a|an|the)\s+(?:\w+\s+){0,2}(?:law|bill|amendment|motion))\b",
        ),
        ("impeached impeachment confidence", r"\bimpeach(?:ed|ment)\b|\bno-?\s?confidence\b"),
        (
            "dissolved dissolve",
            r"\bdissolv(?:ed|e)\s+(?:the\s+)?(?:parliament|government|cabinet|assembly)\b",
        ),
    ),
    *_event(
        _T.POLITICAL,
        "security measure",
        55,
        (
            "declared",
            r"\bdeclared\s+(?:a|an)?\s*(?:\w+\s+){0,3}(?:state\s+of\s+emergency|national\s+mourning"
            r"|day\s+of\s+mourning|curfew|martial\s+law|(?:national\s+)?emergency)\b",
        ),
        ("emergency mourning", r"\bstate\s+of\s+emergency\b|\bnational\s+mourning\b"),
        (
            "imposed",
            r"\bimposed\s+(?:a|an)?\s*(?:\w+\s+)?(?:curfew|ban|sanctions|restrictions|lockdown)\b",
        ),
        ("banned ban", r"\bbanned\b|\bextended\s+(?:\w+\s+){0,4}ban\b"),
        ("sanctions coup", r"\bsanctions\b|\bcoup\b"),
    ),
    *_event(
        _T.POLITICAL,
        "diplomacy",
        54,
        ("summit", r"\bsummit\b"),
        ("talks", r"\b(?:held|hold|holding)\s+(?:\w+\s+)?talks\b|\btalks\s+(?:with|between)\b"),
        (
            "expelled",
            r"\bexpelled\s+(?:\w+\s+){0,2}(?:ambassador|diplomats?|envoy)\b",
        ),
    ),
    # Attacks whose type depends on who was hit.
    *_rules(
        Role.ASSAULT,
        None,
        "attack",
        50,
        (
            "attack attacks attacked attacking",
            # A "legal attack" or a "verbal attack" is a figure of speech, not violence.
            # The word first: lookbehinds tried at every position would cost more.
            r"\b(?=attack)(?<!heart )(?<!legal )(?<!verbal )(?<!political )(?<!personal )"
            r"(?<!cyber )(?<!rhetorical )(?<!panic )(?<!asthma )attack(?:s|ed|ing)?\b",
        ),
        ("ambush ambushed ambushes ambushing", r"\bambush(?:ed|es|ing)?\b"),
        ("fire", r"\bopen(?:ed|ing)?\s+fire\b|\b(?:came|coming|come)\s+under\s+fire\b"),
        ("raid raids raided", r"\braid(?:s|ed)?\b(?!\s+(?:on\s+)?(?:offices|homes?))"),
        ("stabbed stabbing", r"\bstabb(?:ed|ing)\b"),
        ("surrounded stormed", r"\bsurrounded\b|\bstormed\b"),
        ("assault assaults assaulted", r"\bassault(?:ed|s)?\b"),
        ("shot", r"\bshot\s+(?:and\s+killed|at)\b"),
        ("gunmen", r"\bgunmen\s+(?:\w+\s+)?(?:killed|shot)\b"),
    ),
    # Strategic developments.
    *_event(
        _T.STRATEGIC_DEVELOPMENT,
        "agreement",
        47,
        (
            "ceasefire cease truce cessation armistice",
            r"\bcease-?fire\b|\btruce\b|\bcessation\s+of\s+hostilities\b|\barmistice\b",
        ),
        ("peace", r"\bpeace\s+(?:deal|agreement|accord|pact|treaty)\b"),
        (
            "signed",
            r"\bsigned\s+(?:\w+\s+){0,3}(?:agreement|deal|accord|pact|treaty|memorandum)\b"
            r"|\b(?:agreement|deal|accord|pact|treaty)\s+(?:was\s+|were\s+)?signed\b",
        ),
        ("agreed", r"\bagreed\s+(?:\w+\s+){0,2}(?:to|on)\s+(?:a|an|the)\b"),
    ),
    *_event(
        _T.STRATEGIC_DEVELOPMENT,
        "prisoner exchange",
        47,
        (
            "exchange swap release",
            r"\bprisoners?\s+(?:exchange|swap|release)s?\b|\bexchange\s+of\s+prisoners\b|\bswap\b",
        ),
        (
            "prisoners detainees hostages captives",
            r"\b(?:released|freed)\s+(?:\w+\s+){0,3}(?:prisoners|detainees|hostages|captives)\b",
        ),
    ),
    *_event(
        _T.STRATEGIC_DEVELOPMENT,
        "non-violent activity",
        45,
        ("withdrew withdrawn withdrawal", r"\bwithdr(?:ew|awn|awal)\b"),
        ("handed handover", r"\bhanded\s+over\b|\bhandover\b"),
        ("surrendered surrender defected", r"\bsurrender(?:ed)?\b|\bdefected\b"),
        (
            "entered arrived",
            r"\b(?:troops|forces|soldiers)\s+(?:\w+\s+)?(?:entered|arrived\s+in)\b",
        ),
    ),
    *_event(
        _T.STRATEGIC_DEVELOPMENT,
        LOOTING,
        44,
        ("looted looting ransacked ransacking", r"\bloot(?:ed|ing)\b|\bransack(?:ed|ing)\b"),
        (
            "weapons arms ammunition explosives drugs cattle",
            r"\bseized\s+(?:\w+\s+){0,3}(?:weapons|arms|ammunition|explosives|drugs|cattle)\b",
        ),
    ),
    # Deaths and tolls.
    *_rules(
        Role.TOLL,
        None,
        None,
        20,
        ("toll tolls", r"\b(?:death\s+)?tolls?\b"),
        ("bodies body", r"\bbod(?:y|ies)\b"),
        ("casualties casualty", r"\bcasualt(?:y|ies)\b"),
        (
            "nobody one",
            r"\bnobody\s+was\b|\bno\s+one\s+(?:was|had\s+been)\s+(?:killed|hurt|injured|harmed)\b",
        ),
    ),
    *_rules(
        Role.KILLING,
        None,
        None,
        10,
        ("killed killing kills", r"\bkill(?:ed|ing|s)\b"),
        (
            "dead died deaths slain murdered assassinated",
            r"\bdead\b|\bdied\b|\bdeaths\b|\bslain\b|\bmurdered\b|\bassassinated\b",
        ),
        ("death", r"\bdeath\b(?!\s+(?:toll|sentence|penalty|row|threats?))"),
    ),
)


def _chinese(
    role: Role,
    event_type: EventType | None,
    sub_event_type: str | None,
    priority: int,
    pattern: str,
) -> Rule:
    """A rule for Chinese text, filed under the sign every Chinese sentence carries."""
    return Rule(role, event_type, sub_event_type, priority, (CJK_SIGN,), re.compile(pattern))


_E = Role.EVENT
# News in Chinese: the same events, said with the words a Chinese wire story uses.
CHINESE_RULES: tuple[Rule, ...] = (
    _chinese(_E, _T.ACCIDENT, "industrial accident", 95, r"(?:瓦斯|煤矿|矿井|工厂)\S{0,4}爆炸"),
    _chinese(_E, _T.EXPLOSION_REMOTE_VIOLENCE, None, 88, r"爆炸|炸弹"),
    _chinese(_E, _T.RIOT, "violent demonstration", 85, r"骚乱|暴乱|暴动"),
    _chinese(_E, _T.BATTLE, "armed clash", 80, r"交火|武装冲突"),
    _chinese(_E, _T.VIOLENCE_AGAINST_CIVILIANS, "attack", 75, r"谋杀|杀害|绑架|袭击"),
    _chinese(_E, _T.DISASTER, None, 70, r"地震|洪水|洪灾|台风|泥石流|山火|森林火灾"),
    _chinese(_E, _T.ACCIDENT, "transport accident", 68, r"车祸|坠毁|相撞|翻车|沉没|脱轨|空难"),
    _chinese(_E, _T.PROTEST, "peaceful protest", 64, r"抗议|示威|游行|罢工|静坐"),
    _chinese(_E, _T.HEALTH, "outbreak", 63, r"疫情|霍乱|麻疹|埃博拉|新冠|禽流感"),
    _chinese(_E, _T.LEGAL, "sentence", 60, r"判处|判刑|被判|徒刑"),
    _chinese(_E, _T.LEGAL, "verdict", 60, r"定罪|判定\S{0,6}(?:有罪|犯有)|宣判"),
    _chinese(_E, _T.LEGAL, "charges", 60, r"起诉|提起公诉"),
    _chinese(Role.ARREST, _T.STRATEGIC_DEVELOPMENT, ARRESTS, 58, r"逮捕|拘留|被捕|抓获"),
    _chinese(_E, _T.POLITICAL, "resignation", 56, r"辞职|下台"),
    _chinese(_E, _T.POLITICAL, VOTE, 55, r"选举|投票|公投"),
    _chinese(Role.KILLING, None, None, 10, r"死亡|遇难|丧生|身亡"),
)


def _index(rules: Iterable[Rule]) -> dict[str, tuple[Rule, ...]]:
    by_anchor: defaultdict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        for anchor in rule.anchors:
            if rule not in by_anchor[anchor]:
                by_anchor[anchor].append(rule)
    return {anchor: tuple(found) for anchor, found in by_anchor.items()}


_BY_ANCHOR = _index((*RULES, *CHINESE_RULES))
_ANCHORS = frozenset(_BY_ANCHOR)


def candidate_rules(words: frozenset[str]) -> set[Rule]:
    """The rules whose anchors occur among the words."""
    found: set[Rule] = set()
    for word in words & _ANCHORS:
        found.update(_BY_ANCHOR[word])
    return found


def find_triggers(sentence: Sentence, rules: Iterable[Rule]) -> list[Trigger]:
    """The triggers of a sentence, left to right; of two that overlap the stronger stays.

    `rules` are the sentence's `candidate_rules`.
    """
    matches = [
        Trigger(rule, match.start(), match.end())
        for rule in rules
        for match in rule.pattern.finditer(sentence.masked)
    ]
    matches.sort(key=lambda trigger: (trigger.start, -trigger.rule.priority))
    kept: list[Trigger] = []
    for trigger in matches:
        if kept and trigger.start < kept[-1].end:
            if trigger.rule.priority > kept[-1].rule.priority:
                kept[-1] = trigger
            continue
        kept.append(trigger)
    return kept
