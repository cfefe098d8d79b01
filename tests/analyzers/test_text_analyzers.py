"""Structure, language, MT residue, provenance, citations and quotes on constructed text."""

from narrascope import Document, Pipeline
from narrascope.text import paragraphs, sentences

ARTICLE = """Ministers Quarrel Over The Port Deal

By Anna Keller

The harbour agreement was signed on Friday night. Critics say the the timing was no accident.

(Photo: Telegram channel "Harbour Watch")

"We were never consulted about any of this, not once," Mayor Tom Brandt said on Monday.

Deputy minister Olga Ruskova insisted: "The contract protects every worker in the port."

According to Reuters, 40 of the 120 cranes will be sold. Officials called it a "temporary measure".

The government expects 3.5 million tonnes of cargo, and the so-called experts doubt it, writes analyst Peter Voss.

Несколько слов left in Russian, and 一些 Chinese characters too.

Source: https://news.example.org/port-deal?id=7

Read also: Ten facts about ports

Disclaimer: The views expressed are those of the author and do not reflect the position of the editors.
"""


def run(text, names=("structure", "language", "mt_residue", "provenance", "citations", "quotes")):
    return Pipeline(list(names))(Document(text))


def labelled(doc, layer, label):
    return [doc.span_text(s) for s in doc.spans(layer) if s.label == label]


def test_paragraphs_and_sentences_keep_offsets():
    text = "First line.\r\n\r\nSecond para. It has two sentences, e.g. this one.\nThird, Mr. Smith said 3.5 times."
    paras = paragraphs(text)
    assert [text[s:e] for s, e in paras] == ["First line.", "Second para. It has two sentences, e.g. this one.", "Third, Mr. Smith said 3.5 times."]
    s, e = paras[1]
    assert [text[a:b] for a, b in sentences(text, s, e)] == ["Second para.", "It has two sentences, e.g. this one."]
    s, e = paras[2]
    assert len(sentences(text, s, e)) == 1


def test_hard_wrapped_block_is_one_paragraph():
    text = ("This paragraph was wrapped at a fixed column by an old mail client and\n"
            "continues on the next line without any sentence ending at the break\n"
            "and it goes on here for a third line before it finally stops here.\n")
    assert len(paragraphs(text)) == 1


def test_structure_finds_title_byline_source_disclaimer():
    doc = run(ARTICLE)
    assert labelled(doc, "structure", "title") == ["Ministers Quarrel Over The Port Deal"]
    assert labelled(doc, "structure", "author") == ["Anna Keller"]
    assert doc.metadata["author"] == "Anna Keller"
    assert labelled(doc, "structure", "media_placeholder") == ['(Photo: Telegram channel "Harbour Watch")']
    assert labelled(doc, "structure", "source_link") == ["Source: https://news.example.org/port-deal?id=7"]
    assert labelled(doc, "structure", "boilerplate") == ["Read also: Ten facts about ports"]
    assert labelled(doc, "structure", "disclaimer")[0].startswith("Disclaimer:")
    assert doc.metadata["source_url"] == "https://news.example.org/port-deal?id=7"
    assert set(doc.metadata["guessed"]) == {"title", "author"}


def test_reader_metadata_wins_over_guesses():
    doc = Pipeline(["structure"])(Document("A Headline\n\nBody text that is long enough to be a paragraph here.", metadata={"title": "A Headline", "author": "Desk"}))
    assert doc.metadata["author"] == "Desk"
    assert "guessed" not in doc.metadata
    assert labelled(doc, "structure", "title") == ["A Headline"]


def test_language_per_paragraph_and_document():
    text = ("The committee met on Tuesday to discuss the budget for next year and the new rules.\n\n"
            "Комитет собрался во вторник, чтобы обсудить бюджет на следующий год и новые правила.\n\n"
            "Комітет зібрався у вівторок, щоб обговорити бюджет на наступний рік і нові правила.\n\n"
            "委员会周二开会讨论明年的预算和新的规则以及其他重要的事项和安排。\n\nOk.")
    doc = run(text, ("structure", "language"))
    langs = [s.label for s in doc.spans("language")]
    assert langs[:4] == ["en", "ru", "uk", "zh"]
    short = doc.spans("language")[-1]
    assert short.attrs.get("inherited") and short.score == 0.0


def test_mt_residue_foreign_script_doubled_and_repeated():
    doc = run(ARTICLE)
    foreign = {doc.span_text(s): s.attrs["script"] for s in doc.spans("mt_residue") if s.label == "foreign_script"}
    assert foreign == {"Несколько слов": "Cyrillic", "一些": "Han"}
    assert labelled(doc, "mt_residue", "doubled_word") == ["the the"]
    text = ("The minister resigned after the scandal over the harbour contract.\n\n"
            "Nobody expected it.\n\nThe minister resigned after the scandal over the harbour contract.")
    rep = [s for s in run(text).spans("mt_residue") if s.label == "repeated_sentence"]
    assert len(rep) == 1 and rep[0].attrs["exact"] and rep[0].start > 60


def test_latin_names_in_cyrillic_text_are_not_residue():
    doc = run("Генсек NATO и компания Apple сделали заявления в среду вечером в Брюсселе.")
    assert not doc.spans("mt_residue")


def test_provenance_urls_and_aggregators():
    doc = run(ARTICLE + "\nShared from https://www.toutiao.com/article/1/ and http://t.me/somechannel/5.\n")
    by_label = {}
    for s in doc.spans("provenance"):
        by_label.setdefault(s.label, []).append(doc.span_text(s))
    assert by_label["original_source"] == ["https://news.example.org/port-deal?id=7"]
    assert by_label["aggregator_url"] == ["https://www.toutiao.com/article/1/", "http://t.me/somechannel/5"]
    assert "disclaimer" in by_label and "boilerplate" in by_label
    assert doc.metadata["provenance"]["original_source_domain"] == "news.example.org"


def test_citations_captions_attributions_and_own_channels():
    doc = run(ARTICLE + '\nShe agreed. Senator Maria Lopez later wrote in her Telegram channel that the deal was bad.\n'
              '\nThe newspaper «Vedomosti» confirmed it; Harbour Watch reported the same.\n')
    groups = {g.label: g for g in doc.groups["cited_sources"]}
    assert "Harbour Watch" in groups and groups["Harbour Watch"].attrs["platform"] == "Telegram"
    assert len(groups["Harbour Watch"].span_ids) == 2  # the caption and the later "Harbour Watch reported"
    assert "Reuters" in groups
    assert "Vedomosti" in groups
    own = [s for s in doc.spans("citations") if s.attrs["kind"] == "own_channel"]
    assert own and own[0].attrs["owner"] == "Senator Maria Lopez"
    for s in doc.spans("citations"):
        ns, ne = s.attrs["name_span"]
        if s.attrs["kind"] == "own_channel":  # the owner is named before "his/her channel"
            assert doc.text[ns:ne] == s.attrs["owner"] and ne <= s.start
        else:
            assert s.start <= ns <= ne <= s.end and doc.text[ns:ne] == s.attrs["name"]


def test_quotes_speakers_scare_quotes_and_reported_speech():
    doc = run(ARTICLE)
    quotes = {doc.span_text(s): s.attrs for s in doc.spans("quotes") if s.label == "quote"}
    assert quotes['"We were never consulted about any of this, not once,"']["speaker"] == "Tom Brandt"
    assert quotes['"The contract protects every worker in the port."']["speaker"] == "Olga Ruskova"
    assert labelled(doc, "quotes", "scare_quote") == ['"temporary measure"']
    reported = [s for s in doc.spans("quotes") if s.label == "reported_speech"]
    assert len(reported) == 1 and reported[0].attrs["speaker"] == "Peter Voss"
    for s in doc.spans("quotes"):
        if s.label == "speaker":
            assert doc.span_text(s) == s.attrs["name"]
    speakers = {g.label for g in doc.groups["speakers"]}
    assert {"Tom Brandt", "Olga Ruskova", "Peter Voss"} <= speakers


def test_pull_quote_inherits_speaker_and_guillemets_pair():
    text = ('"A quiet storm is coming"\n\n'
            'Then it happened. «Мы не согласны с этим решением и будем бороться до конца», заявила Мария Петрова.\n\n'
            '"I told them before: a quiet storm is coming to this city," Paul Okafor said.\n')
    doc = run(text)
    q = [s for s in doc.spans("quotes") if s.label == "quote"]
    assert [s.attrs["speaker"] for s in q] == ["Paul Okafor", "Мария Петрова", "Paul Okafor"]
    assert q[0].attrs["attribution"] == "pull_quote"


def test_citations_in_russian_with_inflected_channel_nouns():
    text = ("Заголовок статьи о чём-то важном\n\n"
            "«Работают профессионалы», — написала Анна Петрова в своём Telegram-канале.\n\n"
            "(Скриншот из Telegram-канала «Царьград ТВ»)\n")
    doc = run(text)
    names = {g.label for g in doc.groups["cited_sources"]}
    assert "Царьград ТВ" in names
    own = [s for s in doc.spans("citations") if s.attrs["kind"] == "own_channel"]
    assert own and doc.span_text(own[0]) == "своём Telegram-канале"
    quotes = [s for s in doc.spans("quotes") if s.label == "quote"]
    assert quotes and quotes[0].attrs["speaker"] == "Анна Петрова"


def test_chinese_caption_source_link_and_disclaimer():
    text = ('哈萨克斯坦在背后捅了俄罗斯一刀\n\n作者：某某\n\n当莫斯科还在统计"战略损失"时，阿斯塔纳已经完成了一次"军事空降"。\n\n'
            '（截图来自Telegram频道"狐狸Z和乌鸦"）\n\n原文链接：https://www.toutiao.com/article/1/\n\n免责声明：本文仅代表作者个人观点。\n')
    doc = run(text)
    assert labelled(doc, "structure", "media_placeholder") == ['（截图来自Telegram频道"狐狸Z和乌鸦"）']
    assert labelled(doc, "structure", "author") == ["某某"]
    assert labelled(doc, "provenance", "original_source") == ["https://www.toutiao.com/article/1/"]
    assert labelled(doc, "structure", "disclaimer") == ["免责声明：本文仅代表作者个人观点。"]
    assert "狐狸Z和乌鸦" in {g.label for g in doc.groups["cited_sources"]}
    assert doc.metadata["language"] == "zh"
