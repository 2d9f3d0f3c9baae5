"""Hard sentence-splitting cases for German and English news text (and a few other languages).

Shared by ``tests/test_segment.py`` (which asserts that our segmenter gets all of them right)
and ``bench/segmenters.py`` (which measures the PyPI segmenters on the same table).

Each case is ``(lang, expected_sentences)``; the input is the sentences joined by one space,
so the table cannot drift out of step with its own input. Cases whose input is not a simple
join (line breaks) are written as ``(lang, expected_sentences, input_text)``.

Decisions documented here (the table is the specification):

* An ellipsis (``...`` or ``…``) followed by a space ends a sentence in English when the next
  word is capitalised, but never in German, where every noun is capitalised and an ellipsis
  inside a sentence marks an omission or a pause in quoted speech (the sample article's
  ``"… eine einfache Antwort ... Verschwinden Sie. Sie sind …"`` keeps the ellipsis inside
  the sentence that ``Verschwinden Sie.`` ends).
* A sentence that ends inside a quotation ends after the closing quote mark
  (``He said: "Go." Then …`` → ``He said: "Go."`` + ``Then …``); a quotation followed by a
  lower-case reporting clause (``"Wir sind bereit", sagte er.``) does not end the sentence.
* Sentences inside one quotation are split (``“It is tense. It is hard.”`` → two sentences),
  as in the reference alignment corpora.
* A German number with a period is an ordinal (no boundary) before a month name or after an
  article or preposition (``am 10. Juli``, ``im 19. Jahrhundert``, ``in der 2. Bundesliga``);
  otherwise a boundary before a capitalised word (``seit 2018. Der …``).
* A line break always ends a sentence; headlines without final punctuation are sentences.
"""

from __future__ import annotations

Case = tuple  # (lang, list[str]) or (lang, list[str], str)

CASES: list[Case] = [
    # ---------------------------------------------------------------- English: titles, abbreviations
    ("en", ["Defense Department spokesman Lt. Col. Martin Meiners said the meeting was important.",
            "He gave no details."]),
    ("en", ["Michael Chase met with China's Maj. Gen. Song Yanchao, deputy director of the office.",
            "The talks went well."]),
    ("en", ["The meeting which was held between Jan. 8-9 was the 17th round of talks, he added."]),
    ("en", ["Colin Kahl told a forum in London on Jul. 10 that talks had stalled.",
            "Beijing did not comment."]),
    ("en", ["Dr. Chase highlighted the importance of open lines.",
            "Gen. Q Brown held a video conference with Gen. Liu Zhenli."]),
    ("en", ["The U.S. and China have not had a high-level dialogue since January.",
            "Those talks were fraught."]),
    ("en", ["Late last year, senior U.S. and Chinese defense officials held talks."]),
    ("en", ["He lives on St. Mark's Place in New York.", "No. 5 is his house."]),
    ("en", ["He wore shirt No. 5 in the final on Sept. 12 in St. Louis."]),
    ("en", ["Some allies, e.g. Japan and Australia, welcomed the talks, i.e. the first in a year."]),
    ("en", ["Sen. Warren and Rep. Ocasio-Cortez met Gov. Newsom and Mr. Smith."]),
    ("en", ["Mrs. Jones and Ms. Brown of Acme Inc. said profits fell.", "Shares dropped."]),
    ("en", ["Prof. Smith visited the Pentagon vs. the State Department."]),
    ("en", ["He arrived at 10 a.m. on Monday and left at 5 p.m. on Tuesday."]),
    ("en", ["The U.S. Navy sent ships.", "The U.K. government agreed."]),
    ("en", ["The Three U.S.-China Joint Communiques guide the policy."]),
    # ---------------------------------------------------------------- English: initials and names
    ("en", ["The expedition was led by G. O. Dyhrenfurth in 1930.", "It failed."]),
    ("en", ["John F. Kennedy was elected in 1960.", "He was killed in 1963."]),
    ("en", ["The report by J. R. R. Tolkien Ltd. was published.", "Nobody read it."]),
    # ---------------------------------------------------------------- English: numbers, URLs
    ("en", ["Growth was 3.5 percent in 2023.", "Prices rose 0.2 pct."]),
    ("en", ["It cost $2.5 billion, or 1.3 times the budget.", "Analysts were surprised."]),
    ("en", ["Visit www.example.com for details.", "Write to press@example.com today."]),
    ("en", ["See https://example.com/a.b?x=1 for the statement.", "It is short."]),
    ("en", ["The vote was 5-4.", "Justice Roberts dissented."]),
    ("en", ["Version 2.0.1 was released at 10.30 GMT."]),
    ("en", ["Temperatures reached 40 C.", "That was a record."]),
    # ---------------------------------------------------------------- English: quotes
    ("en", ['"The Chinese ambassador does not often meet with US senior defence officials," Sun said.',
            '"It suggests China is at least responding to US concerns."']),
    ("en", ['He said: "Go."', "Then he left."]),
    ("en", ['Sun said the meeting was "quite unusual."', "Others disagreed."]),
    ("en", ["The official said, “There’s no question that military relations are very tense.",
            "It’s hard to know how much that reflects pressure.”"]),
    ("en", ['"Will they come?" he asked.', '"No."']),
    ("en", ["He called it 'a mistake.'", "Then he left."]),
    ("en", ["'Reduce military presence, provocation' in South China Sea, US told"]),
    ("en", ["“Dr. Chase also reiterated that the United States remains committed to the policy,” he added.",
            "Meiners noted it."]),
    ("en", ['The US will "fly, sail, and operate safely wherever international law allows," Meiners said.']),
    # ---------------------------------------------------------------- English: other punctuation
    ("en", ["Why now?", "Nobody knows!", "It is odd."]),
    ("en", ['He shouted "Stop!"; then he ran.', '"Go!", she said.']),
    ("en", ["He paused...", "Then he spoke."]),
    ("en", ["It was … well, fine."]),
    ("en", ["He left (see below).", "Then he returned."]),
    ("en", ["(Reporting by Idrees Ali; Editing by Chris Reese.)"]),
    ("en", ["WASHINGTON (Reuters) - The U.S. military said on Monday it had sent a destroyer."]),
    ("en", ["The talks ended on Jan. 9.", "Both sides said they were useful."]),
    # ---------------------------------------------------------------- English: lines
    ("en", ["China and US conclude two days of military talks", "The talks ended on Tuesday."],
     "China and US conclude two days of military talks\nThe talks ended on Tuesday."),
    ("en", ["Leave a Reply", "Your email address will not be published.", "Source: AA"],
     "Leave a Reply\r\n\r\nYour email address will not be published.\rSource: AA\r\n"),
    # ---------------------------------------------------------------- German: ordinals and dates
    ("de", ['"Wir haben es versucht", sagte Colin Kahl am 10. Juli auf einem Forum in London.']),
    ("de", ["Am 1. Januar 2024 trat das Gesetz in Kraft.", "Er wurde am 3. März geboren."]),
    ("de", ["Das Gebäude stammt aus dem 19. Jh. und wurde renoviert."]),
    ("de", ["Im 19. Jahrhundert wuchs die Stadt.", "Sie spielt in der 2. Bundesliga."]),
    ("de", ["Das Treffen fand 2018 statt.", "Der Minister ist im Amt seit 2018.", "Danach nicht mehr."]),
    ("de", ["Er belegte Platz 3.", "Das war enttäuschend."]),
    ("de", ["Die Zahl der Toten stieg auf 150.", "Die Polizei ermittelt seit dem 1. Mai."]),
    ("de", ["Ab 1. Januar gilt das Gesetz für die 1. und 2. Klasse.", "Es lag zwischen 100 und 150.",
            "Das ist viel."]),
    ("de", ["Nach § 5 Abs. 2 ist das verboten.", "Das Gericht entschied anders."]),
    ("de", ["Die Sitzung beginnt um 10.30 Uhr.", "Sie endet um 12 Uhr."]),
    ("de", ["Das Wachstum lag bei 3,5 Prozent.", "Die Inflation sank auf 2.5 Prozent."]),
    ("de", ["Die Sitzung findet am Mo., 12.07.2023 statt."]),
    # ---------------------------------------------------------------- German: abbreviations
    ("de", ["Einige Länder, z. B. Frankreich, stimmten zu.", "Andere, z.B. Polen, nicht."]),
    ("de", ["Es kamen viele Gäste, u. a. der Bürgermeister.", "Er blieb lange."]),
    ("de", ["Die Frist endet am Montag, d. h. in drei Tagen."]),
    ("de", ["Er wohnt in Haus Nr. 5 in Berlin.", "Es kamen ca. 500 Menschen."]),
    ("de", ["Das Treffen wurde verschoben bzw. abgesagt.", "Niemand weiß warum."]),
    ("de", ["Prof. Dr. Müller hielt einen Vortrag.", "Er sprach über das Klima."]),
    ("de", ["Die Firma XY GmbH & Co. KG meldete Verluste."]),
    ("de", ["Er sprach mit Dr. Chase und Gen. Liu.", "Sie vereinbarten nichts."]),
    ("de", ["Die Expedition leitete G. O. Dyhrenfurth im Jahr 1930.", "Sie scheiterte."]),
    ("de", ["Der Sprecher der US-Armee, Oberstleutnant Martin Meiners, sagte ggf. mehr."]),
    ("de", ["Die Regierung (s. o.) hat vgl. Art. 3 GG entschieden."]),
    ("de", ["Der Tunnel ist ca. 3 km lang, d.h. sehr lang."]),
    # ---------------------------------------------------------------- German: quotes
    ("de", ["„Wir werden das prüfen“, sagte er.", "„Es gibt keine Alternative.“"]),
    ("de", ["»Das ist gut«, sagte sie.", "»Wir machen weiter.«"]),
    ("de", ["Der Sprecher sagte: „Wir sind bereit.“", "Danach verließ er den Saal."]),
    ("de", ['"Wir haben es versucht", sagte er.', '"Wir werden es wieder tun."']),
    ("de", ["Die Gespräche dauerten etwa 90 Minuten, sagte Meiners.",
            "Die chinesische Botschaft reagierte nicht."]),
    ("de", ["Er sagte: „Wollt ihr das?“", "Dann schwieg er."]),
    ("de", ["Er nannte es 'einen Fehler'.", "Dann ging er."]),
    ("de", ["Endlich sagte Tom: ,,Soll ich dich prügeln?\"", ",,Das möchte ich sehen!\""]),
    ("de", ['"Wenn wir diese Gespräche mit ihnen führen, sagen sie: \'Wenn ihr keine Krisen wollt, '
            'gibt es eine einfache Antwort ... Verschwinden Sie.',
            'Sie sind keine Pazifikmacht", sagte Kahl und fügte hinzu, dass dies eine seltsame Aussage sei.']),
    ("de", ["Er zögerte … Dann sprach er weiter."]),
    ("de", ["Warum jetzt?", "Niemand weiß es!", "Es ist seltsam."]),
    # ---------------------------------------------------------------- German: lines
    ("de", ["China und die USA beenden Militärgespräche", "Die Gespräche endeten am Dienstag."],
     "China und die USA beenden Militärgespräche\n\nDie Gespräche endeten am Dienstag.\n"),
    # ---------------------------------------------------------------- other languages (general rules)
    ("fr", ["M. Dupont est arrivé à 10 h.", "Il a parlé avec le Dr Martin."]),
    ("fr", ["« C'est fini », a-t-il dit.", "Personne n'a répondu."]),
    ("es", ["¿Vienes mañana?", "Sí, a las 10.30 h.", "El Sr. García también."]),
    ("it", ["Il sig. Rossi è arrivato.", "Ha parlato a lungo."]),
    ("pt", ["O Sr. Silva chegou às 10h.", "Ele falou muito."]),
    ("nl", ["Dhr. Jansen kwam om 10.30 uur.", "Hij sprak lang."]),
    ("pl", ["Prof. Kowalski przyjechał.", "Mówił długo."]),
    ("ru", ["Он сказал: «Да».", "Потом ушёл."]),
    ("tr", ["Dr. Yılmaz geldi.", "Uzun konuştu."]),
    ("zh", ["我们走了。", "他们来了！", "好吗？"], "我们走了。他们来了！好吗？"),
    ("ja", ["今日は晴れです。", "明日は雨です。"], "今日は晴れです。明日は雨です。"),
    ("ar", ["هل ستأتي؟", "نعم سآتي."]),
    ("ja", ["彼は「準備ができた。」と言った。", "そして帰った。"], "彼は「準備ができた。」と言った。そして帰った。"),
    ("ko", ["오늘은 맑습니다.", "내일은 비가 옵니다."]),
    ("ko", ['그는 "준비됐다."라고 말했다.', "그리고 떠났다."]),
]


def case_input(case: Case) -> str:
    """The input text of a case: given explicitly, or the expected sentences joined by a space."""
    return case[2] if len(case) > 2 else " ".join(case[1])
