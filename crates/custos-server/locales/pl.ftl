# custos interfejs WWW — polski.

## Ramka
skip-to-content = Przejdź do treści
nav-label = Nawigacja główna
nav-customers = Klienci
nav-new-customer = Nowy klient
nav-staff = Personel i role
nav-account = Moje konto
sign-out = Wyloguj
language-label = Język
cancel = Anuluj
yes = Tak
no = Nie
restricted = Przetwarzanie ograniczone
masked = zamaskowane
masked-keep = Ukryte dla Twojej roli; zostaw puste, aby zachować wartość
country-hint = Dwuliterowy kod kraju, np. PL, DE, CZ.

## Błędy
error-title = Nie udało się wyświetlić tej strony
error-back = Wróć na stronę startową
error-reference = Identyfikator dla wsparcia: { $id }
error-invalid-json = Nie udało się odczytać formularza.
error-invalid-query = Adres tej strony jest nieprawidłowy.
error-invalid-header = Nie udało się odczytać żądania.
error-unauthorized = Zaloguj się.
error-invalid-credentials = Nazwa użytkownika lub hasło są nieprawidłowe.
error-mfa-required = To konto używa logowania dwuetapowego: wpisz kod z aplikacji uwierzytelniającej.
error-invalid-mfa-code = Kod jest nieprawidłowy, wygasł albo został już użyty.
error-mfa-enrolment-required = Ta firma wymaga logowania dwuetapowego: najpierw je skonfiguruj.
error-csrf-failed = Ten formularz wygasł lub nie pochodzi z tej strony. Otwórz stronę ponownie i wyślij go jeszcze raz.
error-forbidden = Twoja rola na to nie pozwala.
error-password-change-required = Najpierw ustaw nowe hasło.
error-not-found = Nic tu nie ma: nie istnieje albo zostało usunięte.
error-method-not-allowed = Ta czynność nie jest tu możliwa.
error-conflict = To koliduje z tym, co jest już zapisane.
error-link-expired = Ten link wygasł.
error-restricted = Przetwarzanie danych tego klienta jest ograniczone: możliwy jest tylko odczyt i eksport.
error-legal-hold = Obowiązek przechowywania zatrzymuje te dane: nie można ich teraz usunąć.
error-version-mismatch = W międzyczasie ktoś inny to zmienił.
error-payload-too-large = Przesłane dane są za duże.
error-unsupported-media-type = Ten rodzaj pliku nie jest przyjmowany.
error-unknown-field = To pole nie jest zadeklarowane dla tej firmy.
error-invalid-field = Wartość jest nieprawidłowa
error-card-number-refused = Numery kart nigdy nie są zapisywane: usuń go
error-unknown-record-type = Ten rodzaj wpisu nie jest zadeklarowany dla tej firmy.
error-invalid-request = Wprowadzone dane są nieprawidłowe. Sprawdź formularz i spróbuj ponownie.
error-password-refused = To hasło jest odrzucone: użyj co najmniej 12 znaków, nic popularnego ani nic o sobie.
error-idempotency-key-reused = Ten formularz został już wysłany z innymi wartościami. Otwórz go ponownie.
error-precondition-required = Brakuje wersji, którą zmieniasz. Otwórz stronę ponownie.
error-rate-limited = Zbyt wiele prób. Odczekaj chwilę i spróbuj ponownie.
error-internal = Na serwerze coś poszło nie tak.
error-unavailable = Usługa jest teraz niedostępna. Spróbuj ponownie za chwilę.

## Komunikaty po czynności
notice-customer-created = Klient został dodany.
notice-customer-created-consent-failed = Klient został dodany, ale nie udało się zapisać zgody: sprawdź zgody poniżej.
notice-customer-saved = Zmiany zostały zapisane.
notice-nothing-changed = Nic nie zostało zmienione.
notice-customer-erased = Klient został usunięty.
notice-record-added = Wpis został dodany do historii.
notice-consent-given = Zgoda została zapisana.
notice-consent-pending = Zgoda czeka, aż klient potwierdzi wysłany e-mail.
notice-consent-withdrawn = Wycofanie zgody zostało zapisane.
notice-user-created = Konto zostało utworzone. Przekaż tej osobie pierwsze hasło na osobności.
notice-user-changed = Konto zostało zmienione.
notice-password-reset = Hasło zostało zresetowane; przy następnym logowaniu osoba musi ustawić nowe.
notice-password-changed = Twoje hasło zostało zmienione. Pozostałe sesje zostały zakończone.

## Logowanie i konto
login-title = Zaloguj się
login-username = Nazwa użytkownika
login-password = Hasło
login-code = Kod z aplikacji uwierzytelniającej
login-code-hint = Tylko jeśli skonfigurowano logowanie dwuetapowe.
login-more = Kod zapasowy lub inna firma
login-recovery = Kod zapasowy
login-business = Firma
login-business-hint = Potrzebne tylko, gdy ten serwer obsługuje kilka firm.
login-submit = Zaloguj się
account-title = Moje konto
mfa-title = Logowanie dwuetapowe
mfa-on = Logowanie dwuetapowe jest włączone.
mfa-off = Logowanie dwuetapowe jest wyłączone. Każdy, kto pozna Twoje hasło, może zalogować się jako Ty.
mfa-recovery-left = { $n ->
    [one] Pozostał { $n } kod zapasowy.
    [few] Pozostały { $n } kody zapasowe.
   *[other] Pozostało { $n } kodów zapasowych.
}
mfa-set-up = Skonfiguruj logowanie dwuetapowe
mfa-required = Ta firma wymaga logowania dwuetapowego dla każdego konta. Skonfiguruj je, aby kontynuować.
mfa-explain = Potrzebujesz aplikacji uwierzytelniającej w telefonie (na przykład FreeOTP, Aegis lub Google Authenticator).
mfa-step-app = Otwórz aplikację uwierzytelniającą i dodaj konto.
mfa-step-scan = Zeskanuj ten kod albo wpisz klucz poniżej.
mfa-qr-alt = Kod QR dla aplikacji uwierzytelniającej
mfa-secret = Klucz:
mfa-step-code = Wpisz 6-cyfrowy kod, który pokazuje teraz aplikacja.
mfa-code = 6-cyfrowy kod
mfa-confirm = Włącz logowanie dwuetapowe
mfa-start-again = Zacznij od nowa z nowym kodem
mfa-done = Logowanie dwuetapowe jest włączone.
mfa-recovery-title = Twoje kody zapasowe
mfa-recovery-explain = Każdy kod pozwala zalogować się raz, jeśli zgubisz telefon. Zapisz je lub wydrukuj i przechowuj w bezpiecznym miejscu: są pokazywane tylko teraz.
mfa-continue = Dalej
password-title = Hasło
password-change = Zmień hasło
password-required = Ustaw nowe hasło, zanim przejdziesz dalej.
password-current = Obecne hasło
password-new = Nowe hasło
password-repeat = Powtórz nowe hasło
password-hint = Co najmniej 12 znaków. Kilka niepowiązanych słów to dobre hasło.
password-mismatch = Oba nowe hasła nie są takie same.
sessions-title = Gdzie jesteś zalogowany
sessions-kind = Rodzaj
sessions-started = Rozpoczęta
sessions-last-seen = Ostatnio aktywna
sessions-expires = Wygasa
sessions-this-one = ta
sessions-logout-everywhere = Wyloguj wszędzie
session-kind-browser = Przeglądarka
session-kind-login = Logowanie w aplikacji

## Klienci
search-title = Znajdź klienta
search-label = Imię i nazwisko, e-mail, telefon lub numer klienta
search-hint = Wyniki pojawiają się podczas pisania.
search-submit = Szukaj
customers-found = { $n ->
    [0] Nie znaleziono klienta.
    [one] { $n } wynik.
    [few] { $n } wyniki.
   *[other] { $n } wyników.
}
new-title = Nowy klient
new-privacy-title = Zanim cokolwiek wpiszesz: poinformuj klienta
new-privacy-intro = Przechowujemy te dane w następujących celach:
new-privacy-rights = Klient może w każdej chwili zobaczyć, poprawić, wyeksportować lub usunąć swoje dane i wycofać każdą zgodę tak łatwo, jak ją wyraził.
new-consents = Zgody
new-consents-hint = Zaznacz tylko to, na co klient właśnie się zgodził. Nic nie jest zaznaczone domyślnie.
consent-text-version = wersja tekstu { $version }
new-submit = Dodaj klienta
customer-since = Klient od { $date }
customer-updated = ostatnia zmiana { $date }
action-edit = Edytuj
action-export-html = Eksport (strona)
action-export-json = Eksport (JSON)
action-export-csv = Eksport (CSV)
action-erase = Usuń…
profile-fields = Dane
reveal-title = Pokaż zamaskowaną wartość
reveal-which = Pole
reveal-reason = Dlaczego musisz ją zobaczyć
reveal-hint = Powód zostanie zapisany w dzienniku audytu wraz z Twoim nazwiskiem.
reveal-submit = Pokaż
reveal-shown = Wartość jest widoczna tylko na tej stronie; dostęp został zapisany.
timeline-title = Historia
timeline-empty = Brak wpisów.
timeline-hidden = Twoja rola nie widzi historii.
record-add = Dodaj: { $name }
record-when = Kiedy
record-when-hint = Zostaw puste, aby użyć bieżącej chwili.
record-save = Zapisz wpis
consents-title = Zgody
consents-purpose = Cel
consents-channel = Kanał
consents-state = Stan
consents-since = Od
consents-change = Zmień
consents-history = Pełna historia z dowodami
consents-when = Kiedy
consents-method = Jak
consents-text = Wersja tekstu
consents-evidence = Dowód
consent-give = Zapisz zgodę: { $name }
consent-withdraw = Wycofaj: { $name }
consent-state-none = nie pytano
channel-none = —
edit-title = Edycja: { $name }
edit-save = Zapisz zmiany
edit-conflict = Ktoś inny zapisał tego klienta podczas Twojej edycji. Twoje dane nie przepadły: porównaj poniżej i zapisz ponownie.
conflict-title = Zmienione przez kogoś innego
conflict-field = Pole
conflict-theirs = Zapisane teraz
conflict-mine = Twój wpis
conflict-explain = Twoje wpisy pozostają w formularzu. Zapisanie zastąpi nimi zapisane wartości.
erase-title = Usuń: { $name }
erase-explain = Usunięcie trwale usuwa tego klienta:
erase-what-data = wszystkie pola, wpisy historii i zgody zostają zniszczone przez usunięcie klucza klienta;
erase-what-keys = wpisy wyszukiwania znikają; zostają tylko kluczowane odciski e-maila, telefonu i identyfikatorów innych systemów, aby import nie przywrócił klienta;
erase-what-audit = dziennik audytu zachowuje informację, że klient istniał i został usunięty, bez jego danych;
erase-what-import = urządzenia usuwają klienta ze swojej pamięci podręcznej;
erase-what-backups = starsze kopie zapasowe zawierają zaszyfrowane dane do czasu ich wygaśnięcia; przywrócenie ponownie usuwa klienta.
erase-final = Tego nie można cofnąć.
erase-type-number = Wpisz numer klienta { $number }, aby potwierdzić
erase-confirm-wrong = Numer klienta się nie zgadza: nic nie zostało usunięte.
erase-submit = Usuń na zawsze

## Personel i role
staff-title = Personel i role
staff-accounts = Konta
staff-username = Nazwa użytkownika
staff-role = Rola
staff-status = Stan
staff-created = Utworzone
staff-change = Zmień
staff-you = Ty
staff-active = aktywne
staff-disabled = zablokowane
staff-must-change = musi ustawić nowe hasło
staff-role-of = Rola: { $user }
staff-set-role = Ustaw rolę
staff-enable = Odblokuj: { $user }
staff-disable = Zablokuj: { $user }
staff-reset-password = Zresetuj hasło
staff-new-password-for = Nowe hasło dla: { $user }
staff-reset-submit = Zresetuj
staff-add = Dodaj pracownika
staff-initial-password = Pierwsze hasło
staff-initial-password-hint = Przekaż je osobie na osobności; może je zmienić w „Moje konto”.
staff-add-submit = Utwórz konto
matrix-title = Co może każda rola
matrix-explain = Role dają każdemu stanowisku tylko to, czego potrzebuje. Kategorie nieprzyznane nigdy nie są odszyfrowywane dla danej roli.
matrix-actions = Czynności
matrix-action = Czynność
matrix-categories = Kategorie danych
matrix-category = Kategoria
matrix-yes = tak
matrix-no = —
access-full = pełny
access-masked = zamaskowany
access-none = —

## Role
role-owner = Właściciel
role-manager = Kierownik
role-staff = Pracownik
role-clinician = Specjalista (zdrowie)
role-marketing = Marketing
role-auditor = Audytor
role-device = Urządzenie

## Uprawnienia
perm-customer-create = Dodawanie klientów
perm-customer-read = Odczyt klientów
perm-customer-list = Lista wszystkich klientów
perm-customer-search = Wyszukiwanie klientów
perm-customer-update = Zmiana klientów i zgód
perm-customer-erase = Usuwanie klientów
perm-customer-reveal = Odsłanianie zamaskowanych wartości
perm-record-read = Odczyt historii
perm-record-create = Dodawanie wpisów historii
perm-catalog-read = Odczyt katalogu
perm-user-manage = Zarządzanie personelem
perm-token-manage = Zarządzanie tokenami API
perm-audit-read = Odczyt dziennika audytu
perm-tenant-manage = Zmiana ustawień firmy
perm-device-manage = Zarządzanie urządzeniami
perm-role-manage = Zarządzanie rolami
perm-incident-manage = Prowadzenie rejestru incydentów
perm-customer-export = Eksport danych klienta
perm-marketing-audience = Eksport grup odbiorców marketingu
perm-data-request-manage = Obsługa żądań osób
perm-retention-manage = Uruchamianie retencji
perm-customer-import = Import klientów
perm-customer-export-all = Eksport całej listy klientów
perm-webhook-manage = Zarządzanie webhookami

## Kategorie danych
category-identity = Tożsamość
category-contact = Kontakt
category-address = Adres
category-purchase = Zakupy
category-appointment = Wizyty umówione
category-health = Zdrowie
category-payment-reference = Dane płatności
category-preference = Preferencje
category-note = Notatki

## Pola
field-first-name = Imię
field-last-name = Nazwisko
field-birth-date = Data urodzenia
field-email = E-mail
field-phone = Telefon
field-street = Ulica i numer
field-postal-code = Kod pocztowy
field-city = Miejscowość
field-country = Kraj
field-note = Notatka
field-loyalty-number = Numer karty lojalnościowej
field-preferences = Preferencje
field-preferred-stylist = Ulubiony stylista
field-allergies = Alergie i reakcje skórne
field-plan = Plan
field-subscription-start = Początek subskrypcji
field-delivery-notes = Uwagi do dostawy
field-insurance-number = Numer ubezpieczenia
field-amount = Kwota
field-currency = Waluta
field-items = Pozycje
field-store = Sklep
field-service = Usługa
field-staff = Pracownik
field-duration-minutes = Czas trwania (minuty)
field-price = Cena
field-notes = Notatki
field-sphere-right = Sfera, prawe
field-cylinder-right = Cylinder, prawe
field-axis-right = Oś, prawe
field-sphere-left = Sfera, lewe
field-cylinder-left = Cylinder, lewe
field-axis-left = Oś, lewe
field-pupillary-distance = Rozstaw źrenic
field-remarks = Uwagi

## Wartości do wyboru
value-basic = Podstawowy
value-standard = Standardowy
value-premium = Premium
value-cancelled = Anulowany

## Rodzaje wpisów historii
rtype-purchase = Zakup
rtype-visit = Wizyta
rtype-appointment = Termin
rtype-subscription-change = Zmiana subskrypcji
rtype-eye-exam = Badanie wzroku

## Cele
purpose-service = Obsługa klienta
purpose-newsletter = Newsletter
purpose-sms-offers = Oferty SMS
purpose-birthday-greetings = Życzenia urodzinowe
purpose-accounting = Księgowość
purpose-health-records = Dane o zdrowiu
purpose-direct-marketing = Marketing bezpośredni
purpose-description-service = Obsługa klienta: sprzedaż, rezerwacje, serwis posprzedażowy.
purpose-description-newsletter = Wysyłanie newslettera klientom, którzy o to poprosili.
purpose-description-sms-offers = Wysyłanie ofert SMS-em klientom, którzy o to poprosili.
purpose-description-birthday-greetings = Wysyłanie życzeń urodzinowych klientom, którzy o to poprosili.
purpose-description-accounting = Przechowywanie dokumentów sprzedaży zgodnie z prawem podatkowym.
purpose-description-health-records = Dane o zdrowiu potrzebne do bezpiecznej obsługi, objęte tajemnicą zawodową lub wyraźną zgodą.

## Podstawy prawne
basis-consent = zgoda, art. 6 ust. 1 lit. a RODO
basis-contract = umowa, art. 6 ust. 1 lit. b RODO
basis-legal-obligation = obowiązek prawny, art. 6 ust. 1 lit. c RODO
basis-legitimate-interest = prawnie uzasadniony interes, art. 6 ust. 1 lit. f RODO
basis-explicit-consent = wyraźna zgoda, art. 9 ust. 2 lit. a RODO
basis-health-care = opieka zdrowotna, art. 9 ust. 2 lit. h RODO

## Kanały, stany zgód, sposoby
channel-email = E-mail
channel-sms = SMS
channel-phone = Telefon
channel-post = Poczta
channel-whatsapp = WhatsApp
consent-state-given = wyrażona
consent-state-pending-confirmation = czeka na potwierdzenie
consent-state-withdrawn = wycofana
consent-state-lapsed = wygasła
method-in-store = w sklepie
method-web-form = formularz WWW
method-phone = telefonicznie
method-paper = na papierze
method-import = import
method-privacy-portal = portal prywatności
method-double-opt-in = potwierdzenie e-mailem
method-unsubscribe-link = link rezygnacji
method-email = e-mail

## Żądania osób
nav-requests = Żądania
requests-title = Żądania osób, których dane dotyczą
requests-explain = Żądania klientów dotyczące wglądu w dane, ich przeniesienia, sprostowania, usunięcia lub ograniczenia, a także sprzeciwy. Prawo daje miesiąc, z możliwością przedłużenia o dwa kolejne z podaniem przyczyny.
requests-overdue-count = { $n ->
    [one] { $n } żądanie jest po terminie.
    [few] { $n } żądania są po terminie.
   *[other] { $n } żądań jest po terminie.
}
requests-show-open = Pokaż tylko otwarte żądania
requests-show-all = Pokaż też zamknięte żądania
requests-none = Brak żądań.
requests-kind = Żądanie
requests-customer = Klient
requests-received = Otrzymane
requests-due = Termin
requests-state = Stan
requests-identity = Weryfikacja tożsamości
requests-handle = Obsłuż
requests-outcome = Wynik lub powód
requests-save = Zapisz
requests-overdue = po terminie
requests-how-to-open = Aby zapisać nowe żądanie, otwórz stronę klienta i użyj „Zapisz żądanie osoby”.
request-open = Zapisz żądanie osoby
request-open-kind = Rodzaj żądania
request-open-note = Notatka (opcjonalnie)
request-open-submit = Zapisz żądanie
request-kind-access = Dostęp (art. 15)
request-kind-portability = Przenoszenie danych (art. 20)
request-kind-rectification = Sprostowanie (art. 16)
request-kind-erasure = Usunięcie (art. 17)
request-kind-restriction = Ograniczenie (art. 18)
request-kind-objection = Sprzeciw (art. 21)
request-state-open = otwarte
request-state-in-progress = w toku
request-state-completed = zakończone
request-state-refused = odmowa
identity-check-pending = oczekuje
identity-check-verified = potwierdzona
identity-check-failed = nieudana
notice-request-opened = Żądanie zostało zapisane; jego termin widać w skrzynce.
notice-request-updated = Żądanie zostało zaktualizowane.

## Dziennik audytu
nav-audit = Dziennik audytu
audit-title = Dziennik audytu
audit-explain = Każdy dostęp do danych osobowych i każda zmiana, od najnowszych. Dziennik jest powiązany łańcuchowo i podpisany: sprawdzenie wykryje każdą zmianę.
audit-verify = Sprawdź dziennik pod kątem zmian
audit-verify-ok = Dziennik jest nienaruszony: sprawdzono zdarzeń: { $n }.
audit-checkpoints = Zgodne podpisane punkty kontrolne: { $n }.
audit-verify-bad = Dziennik został zmieniony lub uszkodzony, po raz pierwszy przy zdarzeniu { $n }. Zarejestruj incydent.
audit-filter = Filtr
audit-customer = Identyfikator klienta
audit-customer-hint = Historia dostępu do danych jednego klienta.
audit-action = Czynność
audit-from = Od
audit-to = Do
audit-apply = Zastosuj
audit-when = Kiedy
audit-who = Kto
audit-customers = Klienci
audit-target = Szczegóły
audit-outcome = Wynik
audit-reason = powód: { $name }
audit-older = Starsze zdarzenia
profile-access-history = Historia dostępu

## Alerty
nav-alerts = Alerty
alerts-title = Alerty
alerts-explain = Co zauważyło wykrywanie anomalii: powtarzające się nieudane logowania, masowe odczyty, dostęp poza godzinami otwarcia, eksporty, nieudane kopie zapasowe. Przejrzyj każdy i potwierdź; zarejestruj incydent, jeśli dane osobowe mogły zostać ujawnione.
alerts-show-open = Pokaż tylko niepotwierdzone
alerts-show-all = Pokaż też potwierdzone
alerts-none = Brak alertów.
alerts-when = Kiedy
alerts-severity = Waga
alerts-kind = Rodzaj
alerts-message = Co się stało
alerts-state = Stan
alerts-ack = Potwierdź
alerts-acked = potwierdzono { $date }
alerts-open-incident = Zarejestruj incydent
notice-alert-acknowledged = Alert został potwierdzony.
severity-info = informacja
severity-warning = ostrzeżenie
severity-high = wysoka
severity-critical = krytyczna
alert-kind-repeated-failures = Powtarzające się nieudane logowania
alert-kind-revoked-credential = Użyto cofniętego dostępu
alert-kind-bulk-reads = Odczyt wielu klientów
alert-kind-off-hours-access = Dostęp poza godzinami otwarcia
alert-kind-export = Eksport danych
alert-kind-break-glass = Dostęp awaryjny
alert-kind-audit-verification-failed = Sprawdzenie dziennika nie powiodło się
alert-kind-backup-failed = Kopia zapasowa nie powiodła się
alert-kind-data-request-due-soon = Żądanie wkrótce po terminie
alert-kind-data-request-overdue = Żądanie po terminie

## Incydenty
nav-incidents = Incydenty
incidents-title = Incydenty (rejestr naruszeń)
incidents-explain = Każde naruszenie ochrony danych osobowych jest tu zapisywane, niezależnie od tego, czy wymaga zgłoszenia. Organ nadzorczy trzeba powiadomić w ciągu 72 godzin od stwierdzenia naruszenia (art. 33 RODO).
incidents-none = Nie zarejestrowano incydentów.
incidents-name = Tytuł
incidents-status = Stan
incidents-risk = Ryzyko
incidents-aware = Stwierdzono
incidents-deadline = Zgłosić do
incidents-clock = Termin 72 godzin
incidents-open = Zarejestruj incydent
incidents-nature = Co się stało
incidents-alert = Identyfikator alertu (opcjonalnie)
incidents-alert-hint = Alert, który go ujawnił, jeśli był.
incidents-open-submit = Zarejestruj incydent
incident-left = pozostało { $time }
incident-overdue = termin minął
incident-no-clock = zgłoszenie nie jest wymagane
incident-deadline = Zgłoszenie do organu do { $date }
incident-authority = Organ nadzorczy
incident-customers = Osoby, których dane dotyczą
incident-required = trzeba powiadomić
incident-not-required = zgłoszenie niepotrzebne
incident-notified = zgłoszono { $date }
incident-affected = Dotyczy
incident-affected-count = { $n ->
    [one] { $n } klienta
   *[other] { $n } klientów
}
incident-consequences = Możliwe konsekwencje
incident-measures = Podjęte środki
incident-assess = Oceń i zapisz
incident-mark-notified = Organ został właśnie powiadomiony
incident-save = Zapisz
incident-drafts = Projekty powiadomień
draft-for-authority = Do organu nadzorczego
draft-for-customers = Do osób, których dane dotyczą
incident-status-open = otwarty
incident-status-notified = zgłoszony
incident-status-closed = zamknięty
risk-unassessed = jeszcze nie oceniono
risk-unlikely = ryzyko mało prawdopodobne
risk-risk = ryzyko
risk-high-risk = wysokie ryzyko
notice-incident-opened = Incydent został zarejestrowany; termin 72 godzin biegnie od stwierdzenia naruszenia.
notice-incident-updated = Incydent został zaktualizowany.

## Administracja
nav-admin = Administracja
nav-security = Panel bezpieczeństwa
nav-security-about = Wszystkie zabezpieczenia w jednym miejscu, każde z informacją, co zrobić.
nav-staff-about = Konta pracowników i to, co może każda rola.
nav-devices = Urządzenia
nav-devices-about = Tablety kasowe i aplikacje rezerwacyjne: kody parowania i blokowanie.
nav-tokens = Tokeny API
nav-tokens-about = Klucze dla połączonych systemów, każdy z rolą i datą wygaśnięcia.
nav-catalog = Katalog i retencja
nav-catalog-about = Co ta firma zbiera, w jakim celu, na jakiej podstawie prawnej i jak długo przechowuje.
nav-import = Import klientów
nav-import-about = Przenieś listę klientów z Shopify, Fresha, Square lub arkusza, najpierw sprawdzoną.
nav-marketing = Odbiorcy marketingu
nav-marketing-about = Pobierz klientów, których zgoda na dany kanał obowiązuje dziś — nikogo więcej.
nav-backups = Kopie zapasowe i klucze
nav-backups-about = Najnowsza kopia, kopie przechowywane gdzie indziej i stan kluczy szyfrowania.
nav-export-all = Eksport listy klientów
nav-export-all-about = Cała lista jako CSV, do przeniesienia do innego systemu (tylko właściciel; rejestrowane i zgłaszane).

## Panel bezpieczeństwa
security-title = Panel bezpieczeństwa
security-explain = Co chroni dane Twoich klientów, sprawdzone teraz. Najpierw popraw czerwone pozycje.
security-bad-count = { $n ->
    [one] { $n } kontrola wymaga działania teraz.
    [few] { $n } kontrole wymagają działania teraz.
   *[other] { $n } kontroli wymaga działania teraz.
}
security-all-good = Nic nie wymaga teraz działania.
security-version = custos w wersji { $version }
check-ok = W porządku
check-low = Informacja
check-warn = Uwaga
check-bad = Wymaga działania
check-tls = Szyfrowane połączenia
check-tls-fix = Odnów certyfikat TLS przed wygaśnięciem albo upewnij się, że serwer pośredniczący udostępnia tylko HTTPS.
check-mfa = Logowanie dwuetapowe
check-mfa-fix = Włącz wymóg logowania dwuetapowego w ustawieniach i poproś wszystkich bez niego o konfigurację w „Moje konto”.
check-backup = Najnowsza kopia zapasowa
check-backup-fix = Włącz planowe kopie zapasowe (backup_every_hours) i sprawdź, dlaczego ostatnia się nie udała lub jest stara.
check-offsite = Kopia w innym miejscu
check-offsite-fix = Ustaw drugie miejsce docelowe (katalog na innym dysku lub magazyn zgodny z S3), aby utrata komputera nie oznaczała utraty danych.
check-restore-drill = Próba odtworzenia
check-restore-drill-fix = Sprawdź kopię na stronie „Kopie zapasowe” (lub custos backup verify), aby wiedzieć, że da się ją odtworzyć.
check-keys = Wiek kluczy
check-keys-fix = Wymień klucz firmy (custos keys rotate --tenant) zgodnie z zasadą i pozwól dokończyć ponowne opakowanie.
check-retention = Przechowywanie
check-retention-fix = Nadaj każdemu rodzajowi danych regułę przechowywania (co najmniej jedną dla nieaktywnych klientów), aby nic nie było trzymane wiecznie.
check-inactive-staff = Nieużywane konta pracowników
check-inactive-staff-fix = Zablokuj konta osób, które już tu nie pracują.
check-tokens = Tokeny API bez terminu ważności
check-tokens-fix = Zastąp tokeny bez terminu ważności takimi, które wygasają, i unieważnij te, których już nikt nie używa.
check-requests = Żądania klientów
check-requests-fix = Odpowiedz dziś na przeterminowane żądania: ustawowy termin minął.
check-alerts = Otwarte alerty
check-alerts-fix = Przejrzyj i potwierdź każdy alert; zgłoś incydent, jeśli dane osobowe mogły zostać ujawnione.
check-audit = Dziennik zdarzeń
check-audit-fix = Traktuj to jako możliwe naruszenie: nie zmieniaj bazy danych, sprawdź dziennik i zgłoś incydent.
check-version = Znane podatności
check-version-fix = Zaktualizuj custos do wersji, która je usuwa, i aktualizuj bazę podatności (advisory_db).
check-fix-tls-self-signed = Zainstaluj certyfikat wydany przez urząd certyfikacji (np. Let's Encrypt) jako tls_cert i tls_key albo uruchom custos za serwerem pośredniczącym, który go ma.
check-state-tls-off = ten serwer używa niezaszyfrowanego HTTP za serwerem pośredniczącym
check-state-tls-expired = certyfikat wygasł { $date }
check-state-tls-expiring = certyfikat wygasa { $date }
check-state-tls-self-signed = certyfikat z podpisem własnym, ważny do { $date }: przeglądarki ostrzegają
check-state-tls-valid = certyfikat ważny do { $date }
check-state-mfa-all = używa go { $n } z { $count } aktywnych kont
check-state-mfa-pending = używa go { $n } z { $count } aktywnych kont; jest obowiązkowe, pozostali skonfigurują je przy następnym logowaniu
check-state-mfa-optional = używa go { $n } z { $count } aktywnych kont i nie jest wymagane
check-state-backup-unscheduled = planowe kopie zapasowe są wyłączone
check-state-backup-failed = ostatnia planowa kopia się nie udała
check-state-backup-none = nie wykonano jeszcze żadnej kopii
check-state-backup-stale = wykonana { $date }, starsza niż pozwala harmonogram
check-state-backup-recent = { $n ->
    [one] wykonana { $n } godzinę temu
    [few] wykonana { $n } godziny temu
   *[other] wykonana { $n } godzin temu
}
check-state-offsite-on = kopie są kopiowane w drugie miejsce
check-state-offsite-off = kopie pozostają tylko na tym komputerze
check-state-drill-never = żadnej kopii nie odtworzono na próbę
check-state-drill-old = { $n ->
    [one] ostatnia próba odtworzenia była { $n } dzień temu
   *[other] ostatnia próba odtworzenia była { $n } dni temu
}
check-state-drill-recent = { $n ->
    [one] kopię odtworzono na próbę { $n } dzień temu
   *[other] kopię odtworzono na próbę { $n } dni temu
}
check-state-keys-master-missing = klucz tej firmy jest opakowany kluczem głównym, którego ten serwer nie ma
check-state-keys-rewrap-pending = wymiana klucza nie została dokończona
check-state-keys-old = { $n ->
    [one] klucz firmy ma { $n } dzień, jest starszy niż przewiduje zasada
   *[other] klucz firmy ma { $n } dni, jest starszy niż przewiduje zasada
}
check-state-keys-fresh = { $n ->
    [one] klucz firmy ma { $n } dzień
   *[other] klucz firmy ma { $n } dni
}
check-state-retention-none = brak reguł przechowywania: dane są trzymane wiecznie
check-state-retention-gaps = { $n ->
    [0] żadna reguła nie usuwa nieaktywnych klientów
    [one] { $n } rodzaj danych nie ma reguły przechowywania
    [few] { $n } rodzaje danych nie mają reguły przechowywania
   *[other] { $n } rodzajów danych nie ma reguły przechowywania
}
check-state-retention-all = { $n ->
    [one] { $n } reguła przechowywania obejmuje każdy rodzaj danych
    [few] { $n } reguły przechowywania obejmują każdy rodzaj danych
   *[other] { $n } reguł przechowywania obejmuje każdy rodzaj danych
}
check-state-staff-inactive = { $n ->
    [one] { $n } konto nie było używane od 90 dni
    [few] { $n } konta nie były używane od 90 dni
   *[other] { $n } kont nie było używanych od 90 dni
}
check-state-staff-active = każde konto było używane w ciągu 90 dni
check-state-tokens-forever = { $n ->
    [one] { $n } token nigdy nie wygasa
    [few] { $n } tokeny nigdy nie wygasają
   *[other] { $n } tokenów nigdy nie wygasa
}
check-state-tokens-expire = każdy token wygasa
check-state-requests-overdue = { $n ->
    [one] { $n } żądanie przekroczyło ustawowy termin
    [few] { $n } żądania przekroczyły ustawowy termin
   *[other] { $n } żądań przekroczyło ustawowy termin
}
check-state-requests-on-time = żadne nie jest przeterminowane
check-state-alerts-high = { $n ->
    [one] { $n } otwarty alert, w tym poważny
    [few] { $n } otwarte alerty, w tym poważne
   *[other] { $n } otwartych alertów, w tym poważne
}
check-state-alerts-open = { $n ->
    [one] { $n } alert jeszcze nieprzejrzany
    [few] { $n } alerty jeszcze nieprzejrzane
   *[other] { $n } alertów jeszcze nieprzejrzanych
}
check-state-alerts-none = brak
check-state-audit-intact = { $n ->
    [one] { $n } zdarzenie, łańcuch nienaruszony
    [few] { $n } zdarzenia, łańcuch nienaruszony
   *[other] { $n } zdarzeń, łańcuch nienaruszony
}
check-state-audit-broken = łańcucha nie da się potwierdzić
check-state-version-unchecked = nie sprawdzono: nie skonfigurowano bazy podatności
check-state-version-clean = brak znanych podatności w tej wersji
check-state-version-vulnerable = { $n ->
    [one] { $n } znana podatność dotyczy tej wersji
    [few] { $n } znane podatności dotyczą tej wersji
   *[other] { $n } znanych podatności dotyczy tej wersji
}

## Import
import-title = Import klientów
import-explain = Prześlij listę klientów wyeksportowaną z Shopify, Fresha lub Square albo dowolny plik CSV z przypisaniem kolumn. Zachowywane są tylko zadeklarowane pola; wiersze pasujące do istniejących lub usuniętych klientów nie są importowane ponownie.
import-source = Skąd pochodzi lista
import-source-csv = Inny plik CSV (wymaga przypisania)
import-file = Plik (CSV, do 64 MiB)
import-mapping = Przypisanie kolumn (dla innego CSV)
import-mapping-text = Przypisanie: jeden wiersz na kolumnę, „kolumna,cel”
import-mapping-hint = Cel to nazwa pola, external_id, consent:CEL lub consent:CEL:KANAŁ albo drop.
import-check-only = Tylko sprawdź: pokaż, co by się stało, nic nie zapisuj
import-update = Aktualizuj klientów, którzy już tu są
import-submit = Prześlij
import-choose-source = Wybierz, skąd pochodzi lista.
import-no-file = Wybierz plik do przesłania.
import-bad-mapping = Przypisanie jest nieprawidłowe:
import-needs-mapping = Inny plik CSV wymaga przypisania kolumn.
import-report-checked = Sprawdzono: nic nie zostało zapisane
import-report-done = Zaimportowano
import-nothing-written = To było sprawdzenie. Aby zaimportować, wybierz plik ponownie, odznacz „Tylko sprawdź” i prześlij.
import-rows = Odczytane wiersze
import-would-create = Zostałoby dodanych
import-created = Dodano
import-updated = Zaktualizowano
import-skipped = Już istnieją (pominięto)
import-consents = Zapisane zgody
import-refused = Odrzucone wiersze
import-duplicates = Powtórzone wiersze w pliku
import-dropped = Niezapisane kolumny
import-line = Wiersz
import-why = Powód
import-same-as = Taki sam jak wiersz
import-on = Dopasowano po
import-column = Kolumna
import-values = Niezapisane wartości

## Urządzenia
devices-title = Urządzenia
devices-explain = Tablet kasowy lub aplikację rezerwacyjną paruje się raz krótkim kodem, potem działa z własnym kluczem. Zablokuj zgubione urządzenie od razu: nie pobierze już niczego.
devices-name = Nazwa urządzenia
devices-name-hint = Na przykład „Tablet w recepcji”.
devices-registered = Zarejestrowane
devices-state = Stan
devices-revoke = Zablokuj
devices-add = Sparuj nowe urządzenie
devices-add-submit = Utwórz kod parowania
device-code-for = Kod parowania dla: { $name }
device-code-until = Wpisz go w aplikacji przed { $date }. Działa jeden raz.
device-revoke = Zablokuj: { $name }
device-revoked = zablokowane
device-paired = sparowane { $date }
device-waiting = czeka na sparowanie do { $date }
notice-device-revoked = Urządzenie zostało zablokowane.

## Tokeny API
tokens-title = Tokeny API
tokens-explain = Tokeny pozwalają połączonym systemom korzystać z API z rolą nie szerszą niż Twoja. Nadaj każdemu datę wygaśnięcia.
tokens-name = Nazwa
tokens-created = Utworzony
tokens-revoke = Cofnij
tokens-add = Utwórz token
tokens-days = Ważny przez (dni)
tokens-days-hint = Zostaw puste tylko dla tokenu, który nigdy nie może wygasnąć.
tokens-add-submit = Utwórz token
token-new = Nowy token „{ $name }”
token-shown-once = Skopiuj go teraz do systemu, który będzie go używał: jest pokazywany tylko raz i nie da się go odzyskać.
token-revoke = Cofnij: { $name }
token-never = nigdy
notice-token-revoked = Token został cofnięty.

## Katalog i retencja
catalog-title = Katalog i retencja
catalog-explain = Co ta firma zbiera i w jakim celu, zgodnie z deklaracją (na podstawie szablonu „{ $name }”). Niczego innego nie da się zapisać.
catalog-fields = Pola klienta
catalog-record-type = Wpisy historii: { $name }
catalog-purposes = Cele
catalog-field = Pole
catalog-type = Typ
catalog-flags = Zasady
catalog-your-access = Twój dostęp
catalog-required = wymagane
catalog-searchable = wyszukiwalne
catalog-special = szczególna kategoria
catalog-consent-texts = Treści zgód
catalog-version = Wersja
catalog-text = Treść
catalog-lapses = { $n ->
    [one] zgoda wygasa po { $n } dniu bez kontaktu
   *[other] zgoda wygasa po { $n } dniach bez kontaktu
}
retention-title = Retencja
retention-none = Brak reguł retencji: dane są przechowywane, dopóki ktoś ich nie usunie.
retention-uncovered = Żadna reguła nie ogranicza czasu przechowywania tych danych:
retention-rule = Reguła
retention-applies = Dotyczy
retention-keep = Przechowywane przez
retention-then = Potem
retention-why = Dlaczego
retention-inactive = nieaktywni klienci
retention-days = { $n ->
    [one] { $n } dzień
   *[other] { $n } dni
}
retention-action-delete = usuwane
retention-action-anonymise = anonimizowane do liczb

## Marketing
marketing-title = Odbiorcy marketingu
marketing-explain = Lista dla jednego celu i kanału zawiera tylko klientów, których zgoda obowiązuje dziś, tylko z danymi kontaktowymi potrzebnymi dla kanału i z linkiem rezygnacji dla każdego.
marketing-none = Nie zadeklarowano celu marketingowego.
marketing-download = Pobierz: { $name }
marketing-audited = Każde pobranie jest zapisywane w dzienniku audytu wraz z rozmiarem i wywołuje alert.

## Kopie zapasowe i klucze
backups-title = Kopie zapasowe i klucze
backups-off = Kopie według harmonogramu są wyłączone.
backups-none = Nie wykonano jeszcze żadnej kopii zapasowej.
backups-newest = Najnowsza kopia: { $date }
backups-failed = Ostatnia kopia nie powiodła się:
backups-how = Kopie są szyfrowane kluczem kopii przechowywanym poza tym serwerem. Sprawdź kopię poleceniem „custos backup verify” i przećwicz odtwarzanie poleceniem „custos backup restore”.
backups-local = Na tym serwerze
backups-copies = Kopie gdzie indziej
backups-file = Plik
backups-taken = Wykonana
backups-size = Rozmiar
backup-size = { $n } KiB
backup-every = { $n ->
    [one] Kopia jest wykonywana co godzinę.
    [few] Kopia jest wykonywana co { $n } godziny.
   *[other] Kopia jest wykonywana co { $n } godzin.
}
keys-title = Klucze szyfrowania
keys-version = Wersja klucza firmy
keys-since = Od
keys-master = Opakowany kluczem głównym
keys-state = Stan
keys-ok = w użyciu
keys-rewrap = oczekuje przepakowanie
keys-how = Wymiana: „custos keys rotate --tenant” (klucz firmy) lub „--master”; serwer działa dalej.

## Strona retencji
nav-retention = Retencja
nav-retention-about = Jak długo przechowywany jest każdy rodzaj danych i co dzieje się potem; sprawdź lub uruchom przegląd.
retention-explain = Dane są przechowywane tylko tak długo, jak wymaga tego ich cel. Gdy minie czas reguły, dane są usuwane (lub zamieniane na liczby, które nikogo nie wskazują). Klienci objęci obowiązkiem przechowywania pozostają nietknięci.
retention-keep-days = Przechowywane przez (dni)
retention-keep-of = Dni przechowywania: { $name }
retention-then-of = Co dzieje się potem: { $name }
retention-why-of = Powód: { $name }
retention-remove = Usuń
retention-remove-of = Usuń regułę { $name }
retention-add = Dodaj regułę
retention-save = Zapisz reguły
retention-sweep = Zastosuj reguły
retention-sweep-explain = Przeglądy odbywają się też same codziennie. Najpierw sprawdź, co jest do usunięcia.
retention-check = Sprawdź, co jest do usunięcia
retention-run = Uruchom teraz
retention-checked = Sprawdzono: nic nie zostało usunięte
retention-ran = Przegląd zakończony
retention-history = Poprzednie przeglądy
retention-was-check = tylko sprawdzenie
retention-incomplete = kontynuowany w następnym przeglądzie
retention-due = Do usunięcia
retention-deleted = Usunięto
retention-anonymised = Zanonimizowano
retention-held = Zachowano (obowiązek przechowywania)
notice-retention-saved = Reguły retencji zostały zapisane.

## Ochrona w profilu
protection-title = Zatrzymanie, ograniczenie i sprzeciw
hold-title = Obowiązek przechowywania
hold-explain = Obowiązek przechowywania chroni dane tego klienta przed retencją i usunięciem, dopóki potrzebuje ich roszczenie, kontrola lub postępowanie.
hold-reason = Dlaczego dane trzeba zachować
hold-place = Nałóż obowiązek przechowywania
hold-since = Zatrzymane od { $date }
hold-lift = Zdejmij obowiązek przechowywania
restriction-title = Ograniczenie przetwarzania (art. 18)
restriction-explain = Dopóki klient kwestionuje dane lub ich wykorzystanie, dozwolone jest tylko przechowywanie, odczyt i eksport.
restriction-reason = Dlaczego przetwarzanie jest ograniczone
restriction-place = Ogranicz przetwarzanie
restriction-since = Ograniczone od { $date }
restriction-lift = Zdejmij ograniczenie
objection-title = Sprzeciw wobec marketingu bezpośredniego (art. 21)
objection-explain = Zapisuje sprzeciw klienta: każda zgoda marketingowa przestaje obowiązywać od razu, na każdym kanale.
objection-record = Zapisz sprzeciw
notice-hold-placed = Nałożono obowiązek przechowywania.
notice-hold-lifted = Zdjęto obowiązek przechowywania.
notice-restricted = Przetwarzanie zostało ograniczone.
notice-restriction-lifted = Ograniczenie zostało zdjęte.
notice-objection-recorded = Sprzeciw został zapisany; marketing do tego klienta został wstrzymany.
restriction-ground-accuracy-contested = klient kwestionuje prawidłowość danych (a)
restriction-ground-unlawful-processing = przetwarzanie jest niezgodne z prawem, a klient chce ograniczenia zamiast usunięcia (b)
restriction-ground-legal-claims = klient potrzebuje danych do dochodzenia roszczeń (c)
restriction-ground-objection-pending = klient wniósł sprzeciw, a decyzja jeszcze zapadnie (d)
backup-run-now = Wykonaj kopię teraz
backup-taken = Kopia { $name } została wykonana i skopiowana tam, gdzie ustawiono.
backup-verify = Sprawdź
backup-verify-one = Sprawdź { $name }
backup-verified = { $name } została odszyfrowana i sprawdzona w kopii roboczej.
backup-not-verified = Nie udało się sprawdzić { $name }:

## Ustawienia
nav-settings = Ustawienia firmy
nav-settings-about = Logowanie dwuetapowe dla wszystkich, strefa czasowa i godziny otwarcia, dokąd trafiają alerty, portal prywatności.
nav-webhooks = Webhooki
nav-webhooks-about = Powiadamiaj połączone systemy, gdy klienci są dodawani, zmieniani, usuwani lub zmieniają zgody (z podpisem).
settings-title = Ustawienia firmy
settings-signin = Logowanie
settings-require-mfa = Każde konto musi używać logowania dwuetapowego
settings-require-mfa-hint = Osoby bez niego zostaną poproszone o konfigurację przy następnym logowaniu.
settings-hours = Strefa czasowa i godziny otwarcia
settings-time-zone = Strefa czasowa
settings-time-zone-hint = Nazwa IANA, np. Europe/Warsaw.
settings-hours-hint = W postaci 09:00-18:00; zostaw dzień pusty, gdy zamknięte. Dostęp poza tymi godzinami wywołuje alert.
settings-alerts = Dokąd trafiają alerty
settings-alert-email = Adres e-mail
settings-alert-webhook = Adres webhooka (HTTPS)
settings-webhook-secret = Sekret podpisu webhooka alertów
settings-portal = Portal prywatności
settings-self-erasure = Klienci mogą od razu usunąć swoje dane w portalu prywatności
settings-self-erasure-hint = W przeciwnym razie ich żądanie trafia do skrzynki żądań.
settings-save = Zapisz ustawienia
notice-settings-saved = Ustawienia zostały zapisane.
day-mon = Poniedziałek
day-tue = Wtorek
day-wed = Środa
day-thu = Czwartek
day-fri = Piątek
day-sat = Sobota
day-sun = Niedziela
webhooks-title = Webhooki
webhooks-explain = Połączony system (aplikacja rezerwacyjna, sklep, narzędzie do newslettera) jest powiadamiany pod swoim adresem HTTPS, gdy coś się dzieje, z podpisem sekretem znanym tylko jemu. Wiadomość zawiera identyfikator klienta, nigdy jego dane.
webhooks-url = Adres
webhooks-events = Zdarzenia
webhooks-description = Opis
webhooks-delete = Usuń
webhooks-add = Dodaj webhook
webhooks-add-submit = Dodaj webhook
webhook-secret-for = Sekret podpisu dla { $name }
webhook-delete = Usuń { $name }
webhook-deliveries = Dostarczenia
webhook-no-deliveries = Nic jeszcze nie wysłano.
webhook-when = Kiedy
webhook-attempts = Próby
webhook-status = Stan
event-customer-created = klient dodany
event-customer-updated = klient zmieniony
event-customer-erased = klient usunięty
event-consent-changed = zmiana zgody
event-data-request-opened = otrzymano żądanie
delivery-pending = oczekuje
delivery-delivered = dostarczone
delivery-failed = nieudane
notice-webhook-deleted = Webhook został usunięty.

## Personel: dodatkowe
staff-compromised = Konto { $user } przejęte
notice-user-compromised = Wszystkie sesje i tokeny konta zostały zakończone; osoba musi ustawić nowe hasło.
notice-role-created = Rola została utworzona.
notice-role-deleted = Rola została usunięta.
notice-grant-given = Przyznano dostęp awaryjny; wygaśnie sam, a każde użycie jest oznaczane w dzienniku audytu.
notice-grant-ended = Dostęp awaryjny został zakończony.
grant-title = Dostęp awaryjny (break-glass)
grant-explain = Daje jednej osobie szerszą rolę na krótki czas, z podaniem powodu. Wywołuje alert, wygasa sam, a każdy dostęp z jego użyciem jest oznaczany w dzienniku audytu.
grant-until = Do
grant-reason = Powód
grant-minutes = Na ile minut
grant-give = Przyznaj dostęp awaryjny
grant-end = Zakończ
grant-end-for = Zakończ dla { $user }
role-define = Zdefiniuj rolę
role-define-explain = Własna rola pozwala na wybrane czynności i dla każdej kategorii danych: brak dostępu, wartości zamaskowane lub pełne.
role-name = Nazwa roli
role-name-hint = Małe litery, cyfry i _, np. recepcja.
role-create = Utwórz rolę
role-delete = Usuń rolę { $role }
access-none-word = brak dostępu

## Żądania i incydenty, dodatkowe
requests-extend = Przedłuż termin o
requests-months = { $n ->
    [one] { $n } miesiąc
    [few] { $n } miesiące
   *[other] { $n } miesięcy
}
requests-extension-reason = Dlaczego potrzeba więcej czasu (poinformuj klienta)
incident-mark-customers = Osoby, których dane dotyczą, zostały właśnie poinformowane
incident-close = Zamknij incydent (pozostaje w rejestrze)
incident-closed = Zamknięty
incident-notes = Notatki
incident-no-notes = Brak notatek.
incident-note-kind = Rodzaj notatki
incident-note-text = Notatka
incident-add-note = Dodaj notatkę
note-kind-follow-up = uzupełnienie
note-kind-delay-reason = powód spóźnionego zgłoszenia
marketing-report = Zgody na dziś
import-one-title = Klient przenosi się tu ze swoimi danymi
import-one-explain = Prześlij eksport (JSON), który klient przyniósł z tego lub innego serwera custos. Zachowane zostanie tylko to, co deklaruje ta firma; usunięty klient nigdy nie wraca.
import-one-file = Eksport (JSON)
import-one-submit = Zaimportuj klienta
import-one-done = Klient został zaimportowany
import-one-records = Wpisy historii: { $n }
import-one-consents = Zdarzenia zgód: { $n }
import-one-dropped = Nie zachowano (nie zadeklarowano tutaj): { $name }
import-not-an-export = Ten plik nie jest eksportem klienta custos (JSON).
customers-browse = Przeglądaj wszystkich klientów
customers-more = Więcej klientów
consent-how = Jak klient to przekazał: { $name }
delivery-what = Co
delivery-channel-email = e-mail
delivery-channel-webhook = webhook
alert-deliveries = Dokąd wysłano
incident-affected-list = Klienci, których to dotyczy
incident-accesses = Dostępy
retention-aggregates = Co zachowała anonimizacja
retention-aggregates-explain = Liczby na miesiąc, które nikogo nie wskazują, zachowane przy anonimizacji wpisów historii.
retention-group = Grupa
retention-count = Liczba
retention-sums = Sumy
mfa-turn-off = Wyłącz logowanie dwuetapowe
mfa-required-stays = Ta firma go wymaga: pozostaje włączone.
notice-mfa-off = Logowanie dwuetapowe jest wyłączone.

## Compliance
nav-compliance = Dokumenty ochrony danych
nav-compliance-about = Rejestr czynności przetwarzania, informacja o przetwarzaniu danych, mapa przepływu danych, odbiorcy i comiesięczny audyt własny.
compliance-title = Dokumenty ochrony danych
compliance-explain = custos tworzy te dokumenty na podstawie tego, co faktycznie robi: katalogu, odbiorców i danych kontaktowych poniżej oraz konfiguracji serwera. Zmieniają się, gdy one się zmieniają.
compliance-documents = Dokumenty
compliance-ropa = Rejestr czynności przetwarzania (art. 30 RODO)
compliance-ropa-hint = strona do druku; wydrukuj ją do PDF w przeglądarce
compliance-notice = Informacja o przetwarzaniu danych, wersja { $version }
compliance-notice-versions = Wcześniejsze wersje informacji o przetwarzaniu danych
compliance-notice-version = Wersja { $version }
compliance-checks = Kontrole bezpieczeństwa
compliance-map = Skąd dane osobowe przychodzą i dokąd trafiają
compliance-map-hint = Narysowana z bieżącej konfiguracji: urządzenia, konta, webhooki, kopie zapasowe i odbiorcy poniżej.
compliance-map-alt = Mapa przepływu danych: po lewej źródła danych osobowych, pośrodku custos z rodzajami przechowywanych danych, po prawej miejsca, do których dane trafiają.
compliance-recipients = Odbiorcy
compliance-recipients-hint = Wszyscy spoza firmy, którzy otrzymują dane osobowe: dostawca poczty, operator płatności, biuro rachunkowe, urząd skarbowy. Pojawiają się w informacji o przetwarzaniu danych i w rejestrze czynności.
compliance-recipients-none = Nie podano odbiorców: dokumenty mówią, że nikt spoza firmy nie otrzymuje danych osobowych.
compliance-recipient-name = Nazwa
compliance-recipient-kind = Rodzaj
compliance-recipient-purposes = Cele
compliance-recipient-categories = Rodzaje danych
compliance-recipient-country = Kraj
compliance-recipient-country-hint = Dwie litery, np. DE, PL lub US. Poza UE/EOG wymagane jest zabezpieczenie.
compliance-recipient-safeguard = Zabezpieczenie przekazania poza UE/EOG
compliance-safeguard-none = Brak (w UE/EOG)
compliance-recipient-add = Dodaj odbiorcę
compliance-recipient-add-submit = Dodaj odbiorcę
compliance-recipient-remove-column = Usuń
compliance-recipient-remove = Usuń: { $name }
compliance-controller = Dane kontaktowe firmy
compliance-controller-hint = Pokazywane klientom w informacji o przetwarzaniu danych jako kontakt administratora.
compliance-controller-legal-name = Nazwa rejestrowa
compliance-controller-address = Adres pocztowy
compliance-controller-email = E-mail w sprawach ochrony danych
compliance-controller-phone = Telefon
compliance-controller-dpo = Inspektor ochrony danych (jeśli jest)
compliance-controller-representative = Przedstawiciel w UE (gdy firma jest poza UE)
compliance-controller-save = Zapisz dane kontaktowe
compliance-self-audits = Raporty audytu własnego
compliance-self-audits-hint = Kontrole bezpieczeństwa zapisywane co miesiąc (i zawsze, gdy uruchomisz je tutaj), aby można było pokazać, jak było.
compliance-self-audits-none = Nie zapisano jeszcze żadnego raportu.
compliance-self-audit-run = Uruchom audyt własny teraz
compliance-count-bad = wymaga działania: { $n }
compliance-count-warn = do sprawdzenia: { $n }
notice-compliance-recipient-added = Dodano odbiorcę; informacja o przetwarzaniu danych ma nową wersję.
notice-compliance-recipient-removed = Usunięto odbiorcę; informacja o przetwarzaniu danych ma nową wersję.
notice-compliance-controller-saved = Zapisano dane kontaktowe.
notice-compliance-self-audit-saved = Zapisano raport audytu własnego.
recipient-kind-processor = Podmiot przetwarzający (w naszym imieniu)
recipient-kind-controller = Odrębny administrator
recipient-kind-public-authority = Organ publiczny
safeguard-adequacy-decision = Decyzja stwierdzająca odpowiedni stopień ochrony
safeguard-standard-contractual-clauses = Standardowe klauzule umowne
safeguard-binding-corporate-rules = Wiążące reguły korporacyjne
safeguard-explicit-consent = Wyraźna zgoda
self-audit-trigger-scheduled = comiesięczny
self-audit-trigger-on-demand = uruchomiony ręcznie
