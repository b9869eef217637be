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
