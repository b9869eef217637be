//! The drafted breach notifications in English, German and Polish: to the supervisory
//! authority with every point of GDPR art. 33(3), and a plain-language notice to the people
//! concerned (art. 34). Whatever the business has not filled in yet is marked for completion,
//! never invented.

use custos_api::catalog::Category;
use custos_api::incident::Incident;
use time::OffsetDateTime;

/// The words of one language.
pub struct Words {
    to_complete: &'static str,
    ongoing: &'static str,
    a_subject: &'static str,
    a_heading: &'static str,
    controller: &'static str,
    reference: &'static str,
    aware: &'static str,
    deadline: &'static str,
    late: &'static str,
    nature: &'static str,
    period: &'static str,
    categories: &'static str,
    special: &'static str,
    people: &'static str,
    records: &'static str,
    erased_note: &'static str,
    contact: &'static str,
    consequences: &'static str,
    measures: &'static str,
    follow_ups: &'static str,
    phased: &'static str,
    c_subject: &'static str,
    c_greeting: &'static str,
    c_intro: &'static str,
    c_what: &'static str,
    c_which: &'static str,
    c_mean: &'static str,
    c_done: &'static str,
    c_you: &'static str,
    c_you_text: &'static str,
    c_questions: &'static str,
    c_closing: &'static str,
    category: fn(Category) -> &'static str,
}

fn cat_en(c: Category) -> &'static str {
    match c {
        Category::Identity => "identity data (names, date of birth)",
        Category::Contact => "contact data (e-mail address, phone number)",
        Category::Address => "postal address",
        Category::Purchase => "purchases",
        Category::Appointment => "appointments and visits",
        Category::Health => "health data",
        Category::PaymentReference => "payment references",
        Category::Preference => "preferences",
        Category::Note => "notes",
    }
}

fn cat_de(c: Category) -> &'static str {
    match c {
        Category::Identity => "Identitätsdaten (Name, Geburtsdatum)",
        Category::Contact => "Kontaktdaten (E-Mail-Adresse, Telefonnummer)",
        Category::Address => "Postanschrift",
        Category::Purchase => "Käufe",
        Category::Appointment => "Termine und Besuche",
        Category::Health => "Gesundheitsdaten",
        Category::PaymentReference => "Zahlungsreferenzen",
        Category::Preference => "Vorlieben",
        Category::Note => "Notizen",
    }
}

fn cat_pl(c: Category) -> &'static str {
    match c {
        Category::Identity => "dane identyfikacyjne (imię i nazwisko, data urodzenia)",
        Category::Contact => "dane kontaktowe (adres e-mail, numer telefonu)",
        Category::Address => "adres pocztowy",
        Category::Purchase => "zakupy",
        Category::Appointment => "wizyty i terminy",
        Category::Health => "dane dotyczące zdrowia",
        Category::PaymentReference => "dane referencyjne płatności",
        Category::Preference => "preferencje",
        Category::Note => "notatki",
    }
}

const EN: Words = Words {
    to_complete: "[to be completed]",
    ongoing: "ongoing",
    a_subject: "Notification of a personal data breach",
    a_heading: "Notification of a personal data breach under Article 33 GDPR",
    controller: "Controller",
    reference: "Reference",
    aware: "Became aware of the breach",
    deadline: "Deadline for notification (72 hours)",
    late: "This notification is made after 72 hours. Reasons for the delay (Art. 33(1)):",
    nature: "1. Nature of the breach (Art. 33(3)(a))",
    period: "Period",
    categories: "Categories of personal data concerned",
    special: "health data (special category, Art. 9 GDPR)",
    people: "Approximate number of data subjects concerned",
    records: "Approximate number of personal data records concerned",
    erased_note: "of whom erased since at their request",
    contact: "2. Contact point for more information (Art. 33(3)(b))",
    consequences: "3. Likely consequences of the breach (Art. 33(3)(c))",
    measures: "4. Measures taken or proposed, including to mitigate possible adverse effects (Art. 33(3)(d))",
    follow_ups: "Further information provided in phases (Art. 33(4))",
    phased: "Where information is not yet available, it will be provided in phases without undue further delay (Art. 33(4)).",
    c_subject: "Important information about your personal data at {business}",
    c_greeting: "Dear customer,",
    c_intro: "we are writing to tell you about a security incident that concerns personal data you entrusted to {business}.",
    c_what: "What happened",
    c_which: "Which of your data are concerned",
    c_mean: "What this may mean for you",
    c_done: "What we have done",
    c_you: "What you can do",
    c_you_text: "Be careful with unexpected messages, calls or letters that ask for personal details, passwords or payments, even when they seem to come from us. If something looks wrong, contact us.",
    c_questions: "Questions",
    c_closing: "We are sorry for this incident.",
    category: cat_en,
};

const DE: Words = Words {
    to_complete: "[bitte ergänzen]",
    ongoing: "andauernd",
    a_subject: "Meldung einer Verletzung des Schutzes personenbezogener Daten",
    a_heading: "Meldung einer Verletzung des Schutzes personenbezogener Daten gemäß Art. 33 DSGVO",
    controller: "Verantwortlicher",
    reference: "Aktenzeichen",
    aware: "Kenntnis von der Verletzung erlangt am",
    deadline: "Frist für die Meldung (72 Stunden)",
    late: "Diese Meldung erfolgt nach Ablauf von 72 Stunden. Gründe für die Verzögerung (Art. 33 Abs. 1 DSGVO):",
    nature: "1. Art der Verletzung (Art. 33 Abs. 3 lit. a DSGVO)",
    period: "Zeitraum",
    categories: "Betroffene Kategorien personenbezogener Daten",
    special: "Gesundheitsdaten (besondere Kategorie, Art. 9 DSGVO)",
    people: "Ungefähre Zahl der betroffenen Personen",
    records: "Ungefähre Zahl der betroffenen personenbezogenen Datensätze",
    erased_note: "davon seither auf eigenen Wunsch gelöscht",
    contact: "2. Anlaufstelle für weitere Informationen (Art. 33 Abs. 3 lit. b DSGVO)",
    consequences: "3. Wahrscheinliche Folgen der Verletzung (Art. 33 Abs. 3 lit. c DSGVO)",
    measures: "4. Ergriffene oder vorgeschlagene Maßnahmen, auch zur Abmilderung möglicher nachteiliger Auswirkungen (Art. 33 Abs. 3 lit. d DSGVO)",
    follow_ups: "Schrittweise nachgereichte Informationen (Art. 33 Abs. 4 DSGVO)",
    phased: "Soweit Informationen noch nicht vorliegen, werden sie ohne unangemessene weitere Verzögerung schrittweise zur Verfügung gestellt (Art. 33 Abs. 4 DSGVO).",
    c_subject: "Wichtige Information zu Ihren personenbezogenen Daten bei {business}",
    c_greeting: "Sehr geehrte Kundin, sehr geehrter Kunde,",
    c_intro: "wir informieren Sie über einen Sicherheitsvorfall bei {business}, der personenbezogene Daten betrifft, die Sie uns anvertraut haben.",
    c_what: "Was ist passiert",
    c_which: "Welche Ihrer Daten betroffen sind",
    c_mean: "Was das für Sie bedeuten kann",
    c_done: "Was wir unternommen haben",
    c_you: "Was Sie tun können",
    c_you_text: "Seien Sie vorsichtig bei unerwarteten Nachrichten, Anrufen oder Briefen, die nach persönlichen Angaben, Passwörtern oder Zahlungen fragen, auch wenn sie von uns zu kommen scheinen. Wenn Ihnen etwas merkwürdig vorkommt, wenden Sie sich an uns.",
    c_questions: "Fragen",
    c_closing: "Wir bedauern diesen Vorfall sehr.",
    category: cat_de,
};

const PL: Words = Words {
    to_complete: "[do uzupełnienia]",
    ongoing: "trwa",
    a_subject: "Zgłoszenie naruszenia ochrony danych osobowych",
    a_heading: "Zgłoszenie naruszenia ochrony danych osobowych na podstawie art. 33 RODO",
    controller: "Administrator",
    reference: "Numer referencyjny",
    aware: "Stwierdzenie naruszenia",
    deadline: "Termin zgłoszenia (72 godziny)",
    late: "Zgłoszenie następuje po upływie 72 godzin. Przyczyny opóźnienia (art. 33 ust. 1 RODO):",
    nature: "1. Charakter naruszenia (art. 33 ust. 3 lit. a RODO)",
    period: "Okres",
    categories: "Kategorie danych osobowych, których dotyczy naruszenie",
    special: "dane dotyczące zdrowia (szczególna kategoria, art. 9 RODO)",
    people: "Przybliżona liczba osób, których dane dotyczą",
    records: "Przybliżona liczba wpisów danych osobowych, których dotyczy naruszenie",
    erased_note: "w tym osoby, których dane usunięto później na ich żądanie",
    contact: "2. Punkt kontaktowy, od którego można uzyskać więcej informacji (art. 33 ust. 3 lit. b RODO)",
    consequences: "3. Możliwe konsekwencje naruszenia (art. 33 ust. 3 lit. c RODO)",
    measures: "4. Środki zastosowane lub proponowane, w tym w celu zminimalizowania ewentualnych negatywnych skutków (art. 33 ust. 3 lit. d RODO)",
    follow_ups: "Informacje udzielane etapami (art. 33 ust. 4 RODO)",
    phased: "Informacje, które nie są jeszcze dostępne, zostaną przekazane etapami bez zbędnej zwłoki (art. 33 ust. 4 RODO).",
    c_subject: "Ważna informacja o Państwa danych osobowych w firmie {business}",
    c_greeting: "Szanowni Państwo,",
    c_intro: "informujemy o incydencie bezpieczeństwa w firmie {business}, który dotyczy danych osobowych powierzonych nam przez Państwa.",
    c_what: "Co się stało",
    c_which: "Których Państwa danych to dotyczy",
    c_mean: "Co to może oznaczać dla Państwa",
    c_done: "Co zrobiliśmy",
    c_you: "Co mogą Państwo zrobić",
    c_you_text: "Prosimy zachować ostrożność wobec nieoczekiwanych wiadomości, telefonów lub listów z prośbą o dane osobowe, hasła lub płatności, nawet jeśli wydają się pochodzić od nas. Jeśli coś budzi wątpliwości, prosimy o kontakt.",
    c_questions: "Pytania",
    c_closing: "Bardzo przepraszamy za ten incydent.",
    category: cat_pl,
};

/// The words of `lang` (`en`, `de`, `pl`).
pub fn words(lang: &str) -> Option<&'static Words> {
    match lang {
        "en" => Some(&EN),
        "de" => Some(&DE),
        "pl" => Some(&PL),
        _ => None,
    }
}

/// What a draft is made from.
pub struct DraftInput<'a> {
    /// The business's name.
    pub business: &'a str,
    /// The incident with its affected summary and log.
    pub incident: &'a Incident,
    /// Formats an instant in the business's time zone.
    pub stamp: &'a (dyn Fn(OffsetDateTime) -> String + Sync),
    /// Recorded reasons for delay.
    pub delays: &'a [String],
    /// Recorded follow-ups.
    pub follow_ups: &'a [String],
    /// Now.
    pub now: OffsetDateTime,
}

fn or_mark<'a>(w: &'a Words, v: &'a Option<String>) -> &'a str {
    v.as_deref().unwrap_or(w.to_complete)
}

/// The categories touched; for the authority, health data marked as a special category.
fn categories(w: &Words, i: &Incident, mark_special: bool) -> String {
    match &i.affected {
        Some(a) if !a.categories.is_empty() => a
            .categories
            .iter()
            .map(|c| match c {
                Category::Health if mark_special => w.special,
                c => (w.category)(*c),
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => w.to_complete.to_owned(),
    }
}

/// The notification to the supervisory authority: subject and text.
pub fn authority(w: &Words, d: &DraftInput<'_>) -> (String, String) {
    let i = d.incident;
    let mut t = String::new();
    let line = |t: &mut String, s: &str| {
        t.push_str(s);
        t.push('\n');
    };
    line(&mut t, w.a_heading);
    line(&mut t, "");
    line(&mut t, &format!("{}: {}", w.controller, d.business));
    line(&mut t, &format!("{}: {} ({})", w.reference, i.id, i.title));
    line(&mut t, &format!("{}: {}", w.aware, (d.stamp)(i.aware_at)));
    line(
        &mut t,
        &format!("{}: {}", w.deadline, (d.stamp)(i.deadline)),
    );
    let notified_late = i
        .authority_notified_at
        .map_or(d.now > i.deadline, |at| at > i.deadline);
    if notified_late {
        line(&mut t, "");
        line(&mut t, w.late);
        if d.delays.is_empty() {
            line(&mut t, &format!("- {}", w.to_complete));
        }
        for r in d.delays {
            line(&mut t, &format!("- {r}"));
        }
    }
    line(&mut t, "");
    line(&mut t, &format!("{}:", w.nature));
    line(&mut t, or_mark(w, &i.nature));
    if let Some(s) = &i.scope {
        let to = s.to.map_or(w.ongoing.to_owned(), |to| (d.stamp)(to));
        line(
            &mut t,
            &format!("{}: {} – {}", w.period, (d.stamp)(s.from), to),
        );
    }
    let cats = categories(w, i, true);
    line(&mut t, &format!("{}: {cats}", w.categories));
    match &i.affected {
        Some(a) => {
            let erased = if a.erased > 0 {
                format!(" ({} {})", w.erased_note, a.erased)
            } else {
                String::new()
            };
            line(&mut t, &format!("{}: {}{erased}", w.people, a.customers));
            line(&mut t, &format!("{}: {}", w.records, a.accesses));
        }
        None => {
            line(&mut t, &format!("{}: {}", w.people, w.to_complete));
            line(&mut t, &format!("{}: {}", w.records, w.to_complete));
        }
    }
    line(&mut t, "");
    line(&mut t, &format!("{}:", w.contact));
    line(&mut t, or_mark(w, &i.contact));
    line(&mut t, "");
    line(&mut t, &format!("{}:", w.consequences));
    line(&mut t, or_mark(w, &i.consequences));
    line(&mut t, "");
    line(&mut t, &format!("{}:", w.measures));
    line(&mut t, or_mark(w, &i.measures));
    if !d.follow_ups.is_empty() {
        line(&mut t, "");
        line(&mut t, &format!("{}:", w.follow_ups));
        for f in d.follow_ups {
            line(&mut t, &format!("- {f}"));
        }
    }
    line(&mut t, "");
    line(&mut t, w.phased);
    (format!("{} – {} – {}", w.a_subject, d.business, i.title), t)
}

/// The notice to the people concerned: subject and text, in plain language.
pub fn customers(w: &Words, d: &DraftInput<'_>) -> (String, String) {
    let i = d.incident;
    let mut t = String::new();
    let para = |t: &mut String, head: &str, body: &str| {
        t.push_str(head);
        t.push_str(":\n");
        t.push_str(body);
        t.push_str("\n\n");
    };
    t.push_str(w.c_greeting);
    t.push_str("\n\n");
    t.push_str(&w.c_intro.replace("{business}", d.business));
    t.push_str("\n\n");
    para(&mut t, w.c_what, or_mark(w, &i.nature));
    para(&mut t, w.c_which, &categories(w, i, false));
    para(&mut t, w.c_mean, or_mark(w, &i.consequences));
    para(&mut t, w.c_done, or_mark(w, &i.measures));
    para(&mut t, w.c_you, w.c_you_text);
    para(&mut t, w.c_questions, or_mark(w, &i.contact));
    t.push_str(w.c_closing);
    t.push('\n');
    t.push_str(d.business);
    t.push('\n');
    (w.c_subject.replace("{business}", d.business), t)
}
