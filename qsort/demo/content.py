"""The demo study's content: "What do you value in a supplier?" in English, Dutch and Norwegian Bokmål.

Forty value elements a B2B customer recognises, after the value-element families of B2B marketing:
tangible financial (price and cost), intangible financial (efficiency gains, return on investment),
tangible non-financial (reputation, reliability, quality), intangible non-financial (going the extra mile,
personal attention), tailoring and value-added services, and strategic partnership (co-creation, total cost
of ownership, shared goals, trust, commitment, long-term contracts). Each statement is tagged with the buyer
archetype it speaks to: ``price``, ``added-value`` or ``strategy``.
"""
from __future__ import annotations

TITLE = "What do you value in a supplier?"

# (code, archetype tag, English, Dutch, Norwegian Bokmål). Code prefixes: PC price and cost, EF efficiency and
# return, RQ reputation/reliability/quality, EM extra mile and personal attention, TA tailoring and services,
# SP strategic partnership.
STATEMENTS: list[tuple[str, str, str, str, str]] = [
    ("PC01", "price",
     "The lowest price for the same product or service.",
     "De laagste prijs voor hetzelfde product of dezelfde dienst.",
     "Den laveste prisen for det samme produktet eller den samme tjenesten."),
    ("PC02", "price",
     "Clear, transparent prices without hidden costs.",
     "Duidelijke, transparante prijzen zonder verborgen kosten.",
     "Tydelige, åpne priser uten skjulte kostnader."),
    ("PC03", "price",
     "Discounts for larger volumes.",
     "Kortingen bij grotere volumes.",
     "Rabatter ved større volumer."),
    ("PC04", "price",
     "Favourable payment terms.",
     "Gunstige betalingsvoorwaarden.",
     "Gunstige betalingsbetingelser."),
    ("PC05", "price",
     "Prices that stay fixed for the whole contract period.",
     "Prijzen die de hele contractperiode vast blijven.",
     "Priser som ligger fast gjennom hele avtaleperioden."),
    ("PC06", "price",
     "Offers that are easy to compare with those of other suppliers.",
     "Offertes die makkelijk te vergelijken zijn met die van andere leveranciers.",
     "Tilbud som er enkle å sammenligne med tilbud fra andre leverandører."),
    ("PC07", "price",
     "Paying only for what we actually use.",
     "Alleen betalen voor wat we echt gebruiken.",
     "Bare betale for det vi faktisk bruker."),
    ("EF01", "added-value",
     "Products and services that save time in our own processes.",
     "Producten en diensten die tijd besparen in onze eigen processen.",
     "Produkter og tjenester som sparer tid i våre egne prosesser."),
    ("EF02", "strategy",
     "A return on investment that the supplier can demonstrate.",
     "Een rendement op de investering dat de leverancier kan aantonen.",
     "En avkastning på investeringen som leverandøren kan dokumentere."),
    ("EF03", "price",
     "Ordering and invoicing that take little effort.",
     "Bestellen en factureren zonder veel gedoe.",
     "Bestilling og fakturering som krever lite innsats."),
    ("EF04", "added-value",
     "Lower costs on our side for handling, storage and breakdowns.",
     "Lagere kosten aan onze kant voor handling, opslag en storingen.",
     "Lavere kostnader hos oss til håndtering, lagring og driftsstans."),
    ("EF05", "price",
     "Needing few of our own people to manage the supplier.",
     "Weinig eigen mensen nodig hebben om de leverancier aan te sturen.",
     "Å trenge få egne folk til å følge opp leverandøren."),
    ("EF06", "strategy",
     "Insight into how the supplier helps us reach our own targets.",
     "Inzicht in hoe de leverancier ons helpt onze eigen doelen te halen.",
     "Innsikt i hvordan leverandøren hjelper oss å nå våre egne mål."),
    ("RQ01", "added-value",
     "A supplier with a good reputation in our industry.",
     "Een leverancier met een goede reputatie in onze branche.",
     "En leverandør med godt omdømme i vår bransje."),
    ("RQ02", "added-value",
     "Deliveries that always arrive on time and complete.",
     "Leveringen die altijd op tijd en compleet zijn.",
     "Leveranser som alltid kommer i tide og er komplette."),
    ("RQ03", "added-value",
     "Consistently high quality of products and services.",
     "Een constant hoge kwaliteit van producten en diensten.",
     "Jevnt høy kvalitet på produkter og tjenester."),
    ("RQ04", "added-value",
     "Certifications and compliance with standards such as ISO and safety rules.",
     "Certificeringen en naleving van normen zoals ISO en veiligheidsvoorschriften.",
     "Sertifiseringer og etterlevelse av standarder som ISO og sikkerhetskrav."),
    ("RQ05", "strategy",
     "A financially sound supplier that will still be there in ten years.",
     "Een financieel gezonde leverancier die er over tien jaar nog is.",
     "En økonomisk solid leverandør som fortsatt finnes om ti år."),
    ("RQ06", "added-value",
     "References from customers similar to us.",
     "Referenties van klanten die op ons lijken.",
     "Referanser fra kunder som ligner på oss."),
    ("RQ07", "strategy",
     "Sustainable and socially responsible ways of working.",
     "Duurzaam en maatschappelijk verantwoord werken.",
     "Bærekraftige og samfunnsansvarlige arbeidsmåter."),
    ("EM01", "added-value",
     "A supplier that goes the extra mile when something goes wrong.",
     "Een leverancier die een stapje extra zet als er iets misgaat.",
     "En leverandør som strekker seg ekstra langt når noe går galt."),
    ("EM02", "added-value",
     "A fixed contact person who knows our business.",
     "Een vast aanspreekpunt dat ons bedrijf kent.",
     "En fast kontaktperson som kjenner virksomheten vår."),
    ("EM03", "added-value",
     "Quick and friendly answers to our questions.",
     "Snelle en vriendelijke antwoorden op onze vragen.",
     "Raske og vennlige svar på spørsmålene våre."),
    ("EM04", "added-value",
     "Being taken seriously, even as a smaller customer.",
     "Serieus genomen worden, ook als kleinere klant.",
     "Å bli tatt på alvor, også som en mindre kunde."),
    ("EM05", "added-value",
     "Proactive advice, before we even ask for it.",
     "Proactief advies, nog voordat we erom vragen.",
     "Proaktive råd, før vi i det hele tatt spør."),
    ("EM06", "added-value",
     "A good personal relationship with the people we deal with.",
     "Een goede persoonlijke band met de mensen met wie we te maken hebben.",
     "Et godt personlig forhold til menneskene vi har med å gjøre."),
    ("TA01", "added-value",
     "Products or services tailored to our specific needs.",
     "Producten of diensten die zijn afgestemd op onze specifieke behoeften.",
     "Produkter eller tjenester som er tilpasset våre spesifikke behov."),
    ("TA02", "added-value",
     "Training and support for our staff.",
     "Training en ondersteuning voor onze medewerkers.",
     "Opplæring og støtte for de ansatte hos oss."),
    ("TA03", "added-value",
     "Installation, maintenance and good after-sales service.",
     "Installatie, onderhoud en een goede service na de verkoop.",
     "Installasjon, vedlikehold og god service etter kjøpet."),
    ("TA04", "added-value",
     "Flexibility to change orders at short notice.",
     "Flexibiliteit om bestellingen op korte termijn te wijzigen.",
     "Fleksibilitet til å endre bestillinger på kort varsel."),
    ("TA05", "added-value",
     "Extra services such as stock management or usage reports.",
     "Extra diensten zoals voorraadbeheer of verbruiksrapportages.",
     "Tilleggstjenester som lagerstyring eller forbruksrapporter."),
    ("SP01", "strategy",
     "Developing new products or solutions together with the supplier.",
     "Samen met de leverancier nieuwe producten of oplossingen ontwikkelen.",
     "Å utvikle nye produkter eller løsninger sammen med leverandøren."),
    ("SP02", "strategy",
     "Looking at the total cost of ownership, not only at the purchase price.",
     "Kijken naar de totale kosten over de hele levensduur, niet alleen naar de aankoopprijs.",
     "Å se på de totale eierkostnadene, ikke bare på innkjøpsprisen."),
    ("SP03", "strategy",
     "Shared goals and a joint plan for the long term.",
     "Gedeelde doelen en een gezamenlijk plan voor de lange termijn.",
     "Felles mål og en felles plan på lang sikt."),
    ("SP04", "strategy",
     "Mutual trust: we can rely on each other's word.",
     "Wederzijds vertrouwen: we kunnen op elkaars woord bouwen.",
     "Gjensidig tillit: vi kan stole på hverandres ord."),
    ("SP05", "strategy",
     "Commitment from the supplier's management to our relationship.",
     "Betrokkenheid van het management van de leverancier bij onze samenwerking.",
     "Engasjement fra leverandørens ledelse for samarbeidet vårt."),
    ("SP06", "strategy",
     "Long-term contracts that give both sides certainty.",
     "Langlopende contracten die beide partijen zekerheid geven.",
     "Langsiktige avtaler som gir begge parter forutsigbarhet."),
    ("SP07", "strategy",
     "Openly sharing information such as forecasts and plans.",
     "Open informatie delen, zoals prognoses en plannen.",
     "Å dele informasjon åpent, for eksempel prognoser og planer."),
    ("SP08", "strategy",
     "Innovations that help us stay ahead of our competitors.",
     "Innovaties die ons helpen om onze concurrenten voor te blijven.",
     "Innovasjoner som hjelper oss å ligge foran konkurrentene."),
    ("SP09", "strategy",
     "Joint improvement programmes that make both of us better.",
     "Gezamenlijke verbeterprogramma's die ons allebei beter maken.",
     "Felles forbedringsprogrammer som gjør oss begge bedre."),
]

# Study texts (models.Study.texts): name -> {language: text}; blank lines separate paragraphs.
TEXTS: dict[str, dict[str, str]] = {
    "title": {"en": TITLE, "nl": "Wat waardeert u in een leverancier?", "nb": "Hva verdsetter du hos en leverandør?"},
    "welcome": {
        "en": "Thank you for taking part in this short study about what you value in a supplier.\n\n"
              "You will sort forty statements by how important they are to you, and answer a few questions. "
              "It takes about 15 minutes. Your answers are used for research only and are reported without "
              "your name.\n\n"
              "Your work is saved as you go: you can stop and continue later with the same link.",
        "nl": "Bedankt dat u meedoet aan dit korte onderzoek naar wat u belangrijk vindt in een leverancier.\n\n"
              "U sorteert veertig uitspraken op hoe belangrijk ze voor u zijn en beantwoordt een paar vragen. "
              "Dat duurt ongeveer 15 minuten. Uw antwoorden worden alleen voor onderzoek gebruikt en zonder uw "
              "naam gerapporteerd.\n\n"
              "Uw werk wordt onderweg bewaard: u kunt stoppen en later verdergaan met dezelfde link.",
        "nb": "Takk for at du deltar i denne korte undersøkelsen om hva du verdsetter hos en leverandør.\n\n"
              "Du skal sortere førti påstander etter hvor viktige de er for deg, og svare på noen spørsmål. "
              "Det tar omtrent 15 minutter. Svarene dine brukes bare til forskning og rapporteres uten navnet "
              "ditt.\n\n"
              "Arbeidet ditt lagres underveis: du kan ta en pause og fortsette senere med den samme lenken.",
    },
    "consent": {
        "en": "I have read the information above and agree to take part. I know I can stop at any time.",
        "nl": "Ik heb de informatie hierboven gelezen en doe mee. Ik weet dat ik op elk moment kan stoppen.",
        "nb": "Jeg har lest informasjonen ovenfor og samtykker i å delta. Jeg vet at jeg kan avbryte når som helst.",
    },
    "instruction": {
        "en": "Sort the statements by how important they are to you when choosing a supplier.",
        "nl": "Sorteer de uitspraken op hoe belangrijk ze voor u zijn bij het kiezen van een leverancier.",
        "nb": "Sorter påstandene etter hvor viktige de er for deg når du velger en leverandør.",
    },
    "presort_instruction": {
        "en": "Read each statement and put it on one of three piles: more important, neutral or less important "
              "to you when choosing a supplier. Don't think too long: your first feeling is fine.",
        "nl": "Lees elke uitspraak en leg die op een van de drie stapels: belangrijker, neutraal of minder "
              "belangrijk voor u bij het kiezen van een leverancier. Denk er niet te lang over na: uw eerste "
              "gevoel is goed.",
        "nb": "Les hver påstand og legg den i en av tre bunker: viktigere, nøytral eller mindre viktig for deg "
              "når du velger en leverandør. Ikke tenk for lenge: førsteinntrykket holder.",
    },
    "sort_instruction": {
        "en": "Now place the cards in the grid: the statements that matter most to you in the right-most column "
              "(+4), those that matter least in the left-most column (-4), the rest in between. Each column "
              "holds a fixed number of cards. Move cards until the grid feels right.",
        "nl": "Plaats de kaarten nu in het raster: de uitspraken die voor u het zwaarst wegen in de kolom "
              "helemaal rechts (+4), de minst belangrijke in de kolom helemaal links (-4) en de rest daartussen. "
              "Elke kolom heeft een vast aantal plaatsen. Verschuif kaarten tot het raster klopt.",
        "nb": "Plasser nå kortene i rutenettet: påstandene som betyr mest for deg i kolonnen lengst til høyre "
              "(+4), de som betyr minst i kolonnen lengst til venstre (-4), og resten imellom. Hver kolonne har "
              "et fast antall plasser. Flytt kort til rutenettet føles riktig.",
    },
    "postsort_instruction": {
        "en": "Please tell us why you placed these cards at the two ends of the grid. For the cards that matter "
              "most, tell us too whether you would pay more for them.",
        "nl": "Vertel ons waarom u deze kaarten aan de twee uiteinden van het raster hebt gelegd. Geef bij de "
              "kaarten die het zwaarst wegen ook aan of u er meer voor zou betalen.",
        "nb": "Fortell oss hvorfor du la disse kortene ytterst i rutenettet. For kortene som betyr mest: si "
              "også om du ville betalt mer for dem.",
    },
    "thank_you": {
        "en": "Thank you very much! Your answers have been saved. They help us understand what our customers "
              "really value.",
        "nl": "Hartelijk dank! Uw antwoorden zijn opgeslagen. Ze helpen ons te begrijpen wat onze klanten echt "
              "waarderen.",
        "nb": "Tusen takk! Svarene dine er lagret. De hjelper oss å forstå hva kundene våre virkelig verdsetter.",
    },
    "declined": {
        "en": "No problem, thank you for your time. We have only recorded that you chose not to take part.",
        "nl": "Geen probleem, bedankt voor uw tijd. We hebben alleen vastgelegd dat u niet wilde meedoen.",
        "nb": "Helt i orden, takk for at du tok deg tid. Vi har bare registrert at du valgte å ikke delta.",
    },
}

# Grid ends and presort piles (models.Study.labels).
LABELS: dict[str, dict[str, str]] = {
    "most": {"en": "Most important", "nl": "Meest belangrijk", "nb": "Viktigst"},
    "least": {"en": "Least important", "nl": "Minst belangrijk", "nb": "Minst viktig"},
    "agree": {"en": "More important", "nl": "Belangrijker", "nb": "Viktigere"},
    "neutral": {"en": "Neutral", "nl": "Neutraal", "nb": "Nøytral"},
    "disagree": {"en": "Less important", "nl": "Minder belangrijk", "nb": "Mindre viktig"},
}


def _option(value: str, en: str, nl: str, nb: str) -> dict:
    return {"value": value, "label": {"en": en, "nl": nl, "nb": nb}}


# Post-sort questions (models.Question fields).
QUESTIONS: list[dict] = [
    {"kind": "single", "required": True,
     "prompt": {"en": "What is your role in the decision to buy from a supplier?",
                "nl": "Wat is uw rol bij de beslissing om bij een leverancier te kopen?",
                "nb": "Hva er din rolle i beslutningen om å kjøpe fra en leverandør?"},
     "options": [
         _option("decider", "I make the final decision", "Ik neem de eindbeslissing",
                 "Jeg tar den endelige beslutningen"),
         _option("influencer", "I advise on or influence the decision", "Ik adviseer of beïnvloed de beslissing",
                 "Jeg gir råd om eller påvirker beslutningen"),
         _option("buyer", "I handle the purchase (procurement)", "Ik verzorg de inkoop",
                 "Jeg står for selve innkjøpet"),
         _option("user", "I use the products or services", "Ik gebruik de producten of diensten",
                 "Jeg bruker produktene eller tjenestene"),
         _option("other", "Other", "Anders", "Annet"),
     ]},
    {"kind": "single", "required": False,
     "prompt": {"en": "How many people work at your company?",
                "nl": "Hoeveel mensen werken er bij uw bedrijf?",
                "nb": "Hvor mange jobber i bedriften din?"},
     "options": [
         _option("1-9", "1–9", "1–9", "1–9"),
         _option("10-49", "10–49", "10–49", "10–49"),
         _option("50-249", "50–249", "50–249", "50–249"),
         _option("250-999", "250–999", "250–999", "250–999"),
         _option("1000+", "1,000 or more", "1.000 of meer", "1000 eller flere"),
     ]},
    {"kind": "number", "required": False, "settings": {"min": 0, "max": 100, "integer": True},
     "prompt": {"en": "For how many years has your company been our customer?",
                "nl": "Hoeveel jaar is uw bedrijf al klant bij ons?",
                "nb": "Hvor mange år har bedriften din vært kunde hos oss?"}},
    {"kind": "likert", "required": False,
     "settings": {"points": 5,  # labels of the two ends (questions.likert_labels)
                  "labels": [{"en": "Strongly disagree", "nl": "Helemaal oneens", "nb": "Helt uenig"}, {}, {}, {},
                             {"en": "Strongly agree", "nl": "Helemaal eens", "nb": "Helt enig"}]},
     "prompt": {"en": "Overall, I am satisfied with us as a supplier.",
                "nl": "Over het geheel genomen ben ik tevreden over ons als leverancier.",
                "nb": "Alt i alt er jeg fornøyd med oss som leverandør."}},
    {"kind": "text", "required": False,
     "prompt": {"en": "Is there anything else that matters to you in a supplier?",
                "nl": "Is er nog iets anders dat u belangrijk vindt in een leverancier?",
                "nb": "Er det noe annet som er viktig for deg hos en leverandør?"}},
]


# The interview guide (models.Study.interview_guide): what an interviewer asks around the sort. Value for the
# customer (what our offer does for them), value of the customer (their weight and future with us) and willingness
# to pay (../shared/B2B.md).
INTERVIEW_GUIDE = [
    {"en": "Value for you: which of the cards at the top changes your own results most, and how would you measure it?",
     "nl": "Waarde voor u: welke kaart bovenaan verandert uw eigen resultaten het meest, en hoe zou u dat meten?",
     "nb": "Verdi for deg: hvilket kort øverst endrer dine egne resultater mest, og hvordan ville du målt det?"},
    {"en": "Tell me about the last time a supplier really helped your business. What did they do?",
     "nl": "Vertel over de laatste keer dat een leverancier uw bedrijf echt hielp. Wat deden ze?",
     "nb": "Fortell om sist en leverandør virkelig hjalp virksomheten din. Hva gjorde de?"},
    {"en": "Who else takes part in choosing a supplier like us, and what matters most to each of them?",
     "nl": "Wie beslist er nog meer mee over een leverancier als wij, en wat vindt ieder van hen het belangrijkst?",
     "nb": "Hvem andre er med på å velge en leverandør som oss, og hva er viktigst for hver av dem?"},
    {"en": "Value of you to us: how do you see your business with us developing over the next three years?",
     "nl": "Uw waarde voor ons: hoe ziet u uw zaken met ons de komende drie jaar ontwikkelen?",
     "nb": "Din verdi for oss: hvordan ser du for deg samarbeidet med oss de neste tre årene?"},
    {"en": "How would you describe our relationship today: strangers, acquaintances, friends or partners? Why?",
     "nl": "Hoe zou u onze relatie nu omschrijven: vreemden, kennissen, vrienden of partners? Waarom?",
     "nb": "Hvordan vil du beskrive forholdet vårt i dag: fremmede, bekjente, venner eller partnere? Hvorfor?"},
    {"en": "Willingness to pay: which of these would you pay extra for, and which should simply be included?",
     "nl": "Betalingsbereidheid: waarvoor zou u extra betalen, en wat hoort gewoon bij de prijs?",
     "nb": "Betalingsvilje: hva av dette ville du betalt ekstra for, og hva bør bare være inkludert?"},
    {"en": "If our price went up by 5 %, which cards would make you stay, and which would make you look elsewhere?",
     "nl": "Als onze prijs 5 % omhoog ging, welke kaarten houden u dan bij ons, en welke doen u elders kijken?",
     "nb": "Hvis prisen vår gikk opp 5 %, hvilke kort ville fått deg til å bli, og hvilke til å se deg om?"},
    {"en": "Is there something we do that you would rather not pay for at all?",
     "nl": "Doen wij iets waarvoor u liever helemaal niet zou betalen?",
     "nb": "Gjør vi noe du helst ikke vil betale for i det hele tatt?"},
]
