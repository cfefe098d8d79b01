"""Build narrascope's SemEval-2025 Task 10 taxonomy files from the official label NAMES.

    python scripts/build_taxonomies.py [LABELS_DIR]

LABELS_DIR defaults to ../shared/data/semeval2025_task10/labels. Only the label names (and their
hierarchy) are read from the official ``narratives_taxonomy.json`` and ``entity_roles_taxonomy.json``;
every description comes from the dictionaries below, written for narrascope. The output schema is
documented in ``narrascope.taxonomy``. Writes
``src/narrascope/data/taxonomies/semeval2025_{narratives,roles}.json``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "narrascope" / "data" / "taxonomies"
DEFAULT_LABELS = ROOT.parent / "shared" / "data" / "semeval2025_task10" / "labels"

DOMAINS = {"URW": "Russia-Ukraine war", "CC": "Climate change"}

# Narratives: keyed by the official short name within its domain (domain, narrative).
NARRATIVES: dict[tuple[str, str], str] = {
    ("URW", "Blaming the war on others rather than the invader"):
        "Shifts responsibility for the war away from Russia onto Ukraine or Western states.",
    ("URW", "Discrediting Ukraine"):
        "Portrays Ukraine, its people, army or leaders as illegitimate, incapable or morally compromised.",
    ("URW", "Russia is the Victim"):
        "Presents Russia as the wronged party that is threatened, hated or forced to defend itself.",
    ("URW", "Praise of Russia"):
        "Glorifies Russia's army, leadership, international standing or domestic backing.",
    ("URW", "Overpraising the West"):
        "Exaggerates Western strength, unity or moral standing in the conflict.",
    ("URW", "Speculating war outcomes"):
        "Predicts the collapse or defeat of one side's forces without solid grounds.",
    ("URW", "Discrediting the West, Diplomacy"):
        "Depicts Western states as divided, weak, self-serving or unable to solve the conflict diplomatically.",
    ("URW", "Negative Consequences for the West"):
        "Claims the war and the West's response to it will harm Western countries themselves.",
    ("URW", "Distrust towards Media"):
        "Argues that Western or Ukrainian news outlets cannot be believed.",
    ("URW", "Amplifying war-related fears"):
        "Stokes fear that the war will escalate into wider, nuclear or world war.",
    ("URW", "Hidden plots by secret schemes of powerful groups"):
        "Explains the war through concealed plans of powerful elites or secret groups.",
    ("CC", "Criticism of climate policies"):
        "Attacks climate policies as useless, economically harmful or driven by profit.",
    ("CC", "Criticism of institutions and authorities"):
        "Attacks the bodies and public figures that shape or promote climate action.",
    ("CC", "Climate change is beneficial"):
        "Claims that warming or more carbon dioxide is good for people or nature.",
    ("CC", "Downplaying climate change"):
        "Minimises climate change as natural, negligible, not happening or easy to adapt to.",
    ("CC", "Questioning the measurements and science"):
        "Casts doubt on climate data, methods, physics or the scientists who produce them.",
    ("CC", "Criticism of climate movement"):
        "Attacks climate activists and their movement as alarmist, corrupt or hypocritical.",
    ("CC", "Controversy about green technologies"):
        "Presents renewable or low-carbon energy as dangerous, unreliable, costly or not green.",
    ("CC", "Hidden plots by secret schemes of powerful groups"):
        "Claims climate action is a cover for the hidden agenda of powerful elites.",
    ("CC", "Amplifying Climate Fears"):
        "Exaggerates climate threats to provoke fear, despair or a sense of doom.",
    ("CC", "Green policies are geopolitical instruments"):
        "Presents climate policy as a tool for powerful states to dominate or exploit others.",
}

SUBNARRATIVES: dict[str, str] = {
    # URW
    "Ukraine is the aggressor": "Claims Ukraine started or provoked the war.",
    "The West are the aggressors": "Claims Western states or NATO caused or are driving the war.",
    "Rewriting Ukraine’s history": "Disputes Ukraine's history or its existence as a distinct nation.",
    "Discrediting Ukrainian nation and society": "Depicts Ukrainians as a people or society in a demeaning light.",
    "Discrediting Ukrainian military": "Depicts Ukraine's armed forces as weak, brutal or incompetent.",
    "Discrediting Ukrainian government and officials and policies":
        "Depicts Ukraine's leaders, officials or policies as corrupt, illegitimate or failing.",
    "Ukraine is a puppet of the West": "Claims Ukraine has no agency and acts on Western orders.",
    "Ukraine is a hub for criminal activities": "Associates Ukraine with crime such as trafficking or arms smuggling.",
    "Ukraine is associated with nazism": "Links Ukraine or its leadership to Nazi ideology.",
    "Situation in Ukraine is hopeless": "Claims Ukraine's position is beyond rescue.",
    "The West is russophobic": "Claims the West hates or discriminates against Russia and Russians.",
    "Russia actions in Ukraine are only self-defence": "Frames the invasion as a purely defensive response.",
    "UA is anti-RU extremists": "Depicts Ukrainians or their state as extremists hostile to Russians.",
    "Praise of Russian military might": "Celebrates the strength and success of Russia's armed forces.",
    "Praise of Russian President Vladimir Putin": "Celebrates Vladimir Putin as a leader.",
    "Russia is a guarantor of peace and prosperity": "Presents Russia as a force for stability and well-being.",
    "Russia has international support from a number of countries and people":
        "Stresses foreign states or people who back Russia.",
    "Russian invasion has strong national support": "Claims Russians broadly back the invasion.",
    "NATO will destroy Russia": "Predicts that NATO will defeat or ruin Russia.",
    "The West belongs in the right side of history": "Casts the West as morally right and destined to prevail.",
    "The West has the strongest international support": "Claims most of the world stands behind the West.",
    "Russian army is collapsing": "Claims Russia's forces are breaking down.",
    "Russian army will lose all the occupied territories": "Predicts Russia will lose every occupied area.",
    "Ukrainian army is collapsing": "Claims Ukraine's forces are breaking down.",
    "The EU is divided": "Stresses disunity among EU members.",
    "The West is weak": "Portrays Western states as feeble or in decline.",
    "The West is overreacting": "Claims Western responses to Russia are excessive.",
    "The West does not care about Ukraine, only about its interests":
        "Claims Western support for Ukraine is driven by self-interest.",
    "Diplomacy does/will not work": "Claims negotiations are futile.",
    "West is tired of Ukraine": "Claims Western publics or governments are losing interest in helping Ukraine.",
    "Sanctions imposed by Western countries will backfire": "Claims sanctions against Russia hurt the West more.",
    "The conflict will increase the Ukrainian refugee flows to Europe":
        "Warns that Ukrainian refugees will burden Europe.",
    "Western media is an instrument of propaganda": "Claims Western outlets serve as propaganda.",
    "Ukrainian media cannot be trusted": "Claims Ukrainian outlets spread falsehoods.",
    "By continuing the war we risk WWIII": "Warns that prolonging the war leads to a world war.",
    "Russia will also attack other countries": "Warns that Russia will invade further states.",
    "There is a real possibility that nuclear weapons will be employed": "Warns that nuclear weapons may be used.",
    "NATO should/will directly intervene": "Claims NATO will or must enter the war directly.",
    # CC
    "Climate policies are ineffective": "Claims climate measures fail to achieve their goals.",
    "Climate policies have negative impact on the economy": "Claims climate measures damage jobs, prices or growth.",
    "Climate policies are only for profit": "Claims climate measures exist to enrich some actors.",
    "Criticism of the EU": "Attacks the European Union's climate role.",
    "Criticism of international entities": "Attacks international bodies such as the UN or IPCC.",
    "Criticism of national governments": "Attacks a national government's climate stance or action.",
    "Criticism of political organizations and figures": "Attacks parties or politicians over climate.",
    "CO2 is beneficial": "Claims more carbon dioxide is good, e.g. for plant growth.",
    "Temperature increase is beneficial": "Claims a warmer climate brings benefits.",
    "Climate cycles are natural": "Attributes current change to natural cycles.",
    "Weather suggests the trend is global cooling": "Uses cold weather as evidence of cooling.",
    "Temperature increase does not have significant impact": "Claims warming has little effect.",
    "CO2 concentrations are too small to have an impact": "Claims carbon dioxide levels are too low to matter.",
    "Human activities do not impact climate change": "Denies that people cause climate change.",
    "Ice is not melting": "Denies that glaciers and polar ice are shrinking.",
    "Sea levels are not rising": "Denies that sea levels are rising.",
    "Humans and nature will adapt to the changes": "Claims adaptation makes climate change harmless.",
    "Methodologies/metrics used are unreliable/faulty": "Attacks how climate data are measured or modelled.",
    "Data shows no temperature increase": "Claims the records show no warming.",
    "Greenhouse effect/carbon dioxide do not drive climate change":
        "Denies the greenhouse effect or carbon dioxide's role in warming.",
    "Scientific community is unreliable": "Attacks climate scientists as biased or untrustworthy.",
    "Climate movement is alarmist": "Depicts activists as spreading needless panic.",
    "Climate movement is corrupt": "Depicts the movement as dishonest or self-serving.",
    "Ad hominem attacks on key activists": "Attacks prominent activists personally rather than their arguments.",
    "Renewable energy is dangerous": "Claims renewable energy harms people, wildlife or the environment.",
    "Renewable energy is unreliable": "Claims renewables cannot supply steady power.",
    "Renewable energy is costly": "Claims renewables are too expensive.",
    "Nuclear energy is not climate friendly": "Claims nuclear power does not help the climate.",
    "Blaming global elites": "Blames wealthy or powerful elites for a climate agenda.",
    "Climate agenda has hidden motives": "Claims climate action conceals other aims.",
    "Earth will be uninhabitable soon": "Claims the planet will soon be unliveable.",
    "Amplifying existing fears of global warming": "Heightens existing anxiety about warming.",
    "Doomsday scenarios for humans": "Describes catastrophic or extinction-level futures for humanity.",
    "Whatever we do it is already too late": "Claims no action can prevent catastrophe.",
    "Climate-related international relations are abusive/exploitative":
        "Depicts climate diplomacy as exploiting weaker countries.",
    "Green activities are a form of neo-colonialism": "Depicts green projects as a new colonialism.",
}

OTHER_NARRATIVE = "The document conveys none of the taxonomy's narratives."
OTHER_SUBNARRATIVE = "The document conveys none of the taxonomy's subnarratives (used with the narrative 'Other')."
OTHER_UNDER = "Conveys the narrative '{narrative}' in a way that none of its listed subnarratives covers."

ROLES: dict[str, str] = {
    "Protagonist": "An entity cast in a positive, active role that drives the story forward.",
    "Antagonist": "An entity cast as opposing, threatening or wronging others.",
    "Innocent": "An entity cast as suffering harm or injustice without being responsible for it.",
    "Guardian": "Protects people, values or communities from harm.",
    "Martyr": "Sacrifices itself or suffers for a cause or for others.",
    "Peacemaker": "Works to resolve conflict and bring parties together.",
    "Rebel": "Defies an oppressive order or authority for a worthy cause.",
    "Underdog": "Faces a much stronger opponent and is shown as deserving to win.",
    "Virtuous": "Is praised for moral qualities such as honesty, courage or integrity.",
    "Instigator": "Starts or stirs up conflict or trouble.",
    "Conspirator": "Takes part in a secret plot against others.",
    "Tyrant": "Rules or acts through oppression and abuse of power.",
    "Foreign Adversary": "A hostile outside state or actor threatening the in-group.",
    "Traitor": "Betrays its own side, country or allies.",
    "Spy": "Secretly gathers information or acts covertly for an opposing side.",
    "Saboteur": "Deliberately undermines or damages others' efforts.",
    "Corrupt": "Abuses position for personal gain or acts dishonestly.",
    "Incompetent": "Fails through lack of skill, judgement or ability.",
    "Terrorist": "Uses violence or intimidation against civilians for political ends.",
    "Deceiver": "Lies to or manipulates others.",
    "Bigot": "Shows prejudice or hostility towards a group.",
    "Forgotten": "Is neglected or overlooked in its suffering.",
    "Exploited": "Is used or taken advantage of by others.",
    "Victim": "Suffers harm, loss or injustice.",
    "Scapegoat": "Is unjustly blamed for others' failures.",
}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("’", "")).strip("-")


def label(id_, name, parent, domain, level, description, short=None):
    return {"id": id_, "name": name, "short_name": short or name, "parent": parent, "domain": domain,
            "level": level, "description": description}


def build_narratives(source: dict) -> dict:
    labels = [label("other", "Other", None, None, "narrative", OTHER_NARRATIVE)]
    subs = [label("other/other", "Other", "Other", None, "subnarrative", OTHER_SUBNARRATIVE)]
    for domain, narratives in source.items():
        for short, children in narratives.items():
            name = f"{domain}: {short}"
            nid = f"{domain.lower()}/{slug(short)}"
            labels.append(label(nid, name, None, domain, "narrative", NARRATIVES[(domain, short)], short))
            for child in children:
                if child == "Other":
                    continue
                subs.append(label(f"{nid}/{slug(child)}", f"{name}: {child}", name, domain, "subnarrative",
                                  SUBNARRATIVES[child], child))
            subs.append(label(f"{nid}/other", f"{name}: Other", name, domain, "subnarrative",
                              OTHER_UNDER.format(narrative=short), "Other"))
    return {"name": "semeval2025_narratives", "schema_version": 1,
            "title": "SemEval-2025 Task 10 narratives and subnarratives (names official, descriptions narrascope's)",
            "levels": ["narrative", "subnarrative"], "domains": DOMAINS, "labels": labels + subs}


def build_roles(source: dict) -> dict:
    labels, fine = [], []
    for main in source["children"]:
        labels.append(label(slug(main["name"]), main["name"], None, None, "main", ROLES[main["name"]]))
        for child in main["children"]:
            fine.append(label(f"{slug(main['name'])}/{slug(child['name'])}", child["name"], main["name"], None,
                              "fine", ROLES[child["name"]]))
    return {"name": "semeval2025_roles", "schema_version": 1,
            "title": "SemEval-2025 Task 10 entity roles (names official, descriptions narrascope's)",
            "levels": ["main", "fine"], "domains": {}, "labels": labels + fine}


def main(argv: list[str]) -> int:
    labels_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_LABELS
    narr = json.loads((labels_dir / "narratives_taxonomy.json").read_text(encoding="utf-8"))
    roles = json.loads((labels_dir / "entity_roles_taxonomy.json").read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    for fname, data in (("semeval2025_narratives.json", build_narratives(narr)),
                        ("semeval2025_roles.json", build_roles(roles))):
        (OUT / fname).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT / fname}: {len(data['labels'])} labels")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
