# custos Web-Oberfläche — Deutsch.

## Rahmen
skip-to-content = Zum Inhalt springen
nav-label = Hauptnavigation
nav-customers = Kunden
nav-new-customer = Neuer Kunde
nav-staff = Personal und Rollen
nav-account = Mein Konto
sign-out = Abmelden
language-label = Sprache
cancel = Abbrechen
yes = Ja
no = Nein
restricted = Verarbeitung eingeschränkt
masked = maskiert
masked-keep = Für Ihre Rolle verborgen; leer lassen, um den Wert zu behalten
country-hint = Ländercode aus zwei Buchstaben, z. B. DE, PL, AT.

## Fehler
error-title = Diese Seite konnte nicht angezeigt werden
error-back = Zurück zur Startseite
error-reference = Kennung für den Support: { $id }
error-invalid-json = Das Formular konnte nicht gelesen werden.
error-invalid-query = Die Adresse dieser Seite ist ungültig.
error-invalid-header = Die Anfrage konnte nicht gelesen werden.
error-unauthorized = Bitte melden Sie sich an.
error-invalid-credentials = Benutzername oder Passwort ist falsch.
error-mfa-required = Dieses Konto nutzt die Zwei-Schritt-Anmeldung: Geben Sie den Code aus Ihrer Authenticator-App ein.
error-invalid-mfa-code = Der Code ist falsch, abgelaufen oder wurde schon verwendet.
error-mfa-enrolment-required = Dieses Unternehmen verlangt die Zwei-Schritt-Anmeldung: Richten Sie sie zuerst ein.
error-csrf-failed = Dieses Formular ist abgelaufen oder stammt nicht von dieser Seite. Öffnen Sie die Seite neu und senden Sie es erneut.
error-forbidden = Ihre Rolle erlaubt das nicht.
error-password-change-required = Wählen Sie zuerst ein neues Passwort.
error-not-found = Hier ist nichts: Es existiert nicht oder wurde gelöscht.
error-method-not-allowed = Diese Aktion ist hier nicht möglich.
error-conflict = Das widerspricht dem bereits Gespeicherten.
error-link-expired = Dieser Link ist abgelaufen.
error-restricted = Die Verarbeitung dieses Kunden ist eingeschränkt: Nur Lesen und Exportieren sind möglich.
error-legal-hold = Eine Aufbewahrungspflicht hält diese Daten fest: Sie können jetzt nicht gelöscht werden.
error-version-mismatch = Jemand anderes hat das inzwischen geändert.
error-payload-too-large = Das Gesendete ist zu groß.
error-unsupported-media-type = Diese Art von Upload wird nicht angenommen.
error-unknown-field = Dieses Feld ist für dieses Unternehmen nicht vorgesehen.
error-invalid-field = Ein Wert ist ungültig
error-card-number-refused = Kartennummern werden nie gespeichert: Bitte entfernen
error-unknown-record-type = Diese Art von Eintrag ist für dieses Unternehmen nicht vorgesehen.
error-invalid-request = Die Eingabe ist ungültig. Prüfen Sie das Formular und versuchen Sie es erneut.
error-password-refused = Dieses Passwort wird abgelehnt: mindestens 12 Zeichen, nichts Gängiges und nichts über Sie.
error-idempotency-key-reused = Dieses Formular wurde schon mit anderen Werten gesendet. Öffnen Sie es neu.
error-precondition-required = Die Version, die geändert werden soll, fehlt. Öffnen Sie die Seite neu.
error-rate-limited = Zu viele Versuche. Warten Sie einen Moment und versuchen Sie es erneut.
error-internal = Auf dem Server ist etwas schiefgegangen.
error-unavailable = Der Dienst ist gerade nicht erreichbar. Versuchen Sie es gleich noch einmal.

## Hinweise nach einer Aktion
notice-customer-created = Der Kunde wurde angelegt.
notice-customer-created-consent-failed = Der Kunde wurde angelegt, aber eine Einwilligung konnte nicht erfasst werden: Prüfen Sie die Einwilligungen unten.
notice-customer-saved = Die Änderungen wurden gespeichert.
notice-nothing-changed = Es wurde nichts geändert.
notice-customer-erased = Der Kunde wurde gelöscht.
notice-record-added = Der Eintrag wurde dem Verlauf hinzugefügt.
notice-consent-given = Die Einwilligung wurde erfasst.
notice-consent-pending = Die Einwilligung wartet darauf, dass der Kunde die gesendete E-Mail bestätigt.
notice-consent-withdrawn = Der Widerruf wurde erfasst.
notice-user-created = Das Konto wurde angelegt. Teilen Sie der Person ihr erstes Passwort unter vier Augen mit.
notice-user-changed = Das Konto wurde geändert.
notice-password-reset = Das Passwort wurde zurückgesetzt; die Person muss bei der nächsten Anmeldung ein neues wählen.
notice-password-changed = Ihr Passwort wurde geändert. Ihre anderen Sitzungen wurden beendet.

## Anmeldung und Konto
login-title = Anmelden
login-username = Benutzername
login-password = Passwort
login-code = Code aus Ihrer Authenticator-App
login-code-hint = Nur wenn Sie die Zwei-Schritt-Anmeldung eingerichtet haben.
login-more = Wiederherstellungscode oder anderes Unternehmen
login-recovery = Wiederherstellungscode
login-business = Unternehmen
login-business-hint = Nur nötig, wenn dieser Server mehrere Unternehmen betreibt.
login-submit = Anmelden
account-title = Mein Konto
mfa-title = Zwei-Schritt-Anmeldung
mfa-on = Die Zwei-Schritt-Anmeldung ist eingeschaltet.
mfa-off = Die Zwei-Schritt-Anmeldung ist ausgeschaltet. Wer Ihr Passwort erfährt, kann sich als Sie anmelden.
mfa-recovery-left = { $n ->
    [one] Sie haben noch { $n } Wiederherstellungscode.
   *[other] Sie haben noch { $n } Wiederherstellungscodes.
}
mfa-set-up = Zwei-Schritt-Anmeldung einrichten
mfa-required = Dieses Unternehmen verlangt die Zwei-Schritt-Anmeldung für jedes Konto. Richten Sie sie ein, um fortzufahren.
mfa-explain = Sie brauchen eine Authenticator-App auf Ihrem Telefon (zum Beispiel FreeOTP, Aegis oder Google Authenticator).
mfa-step-app = Öffnen Sie Ihre Authenticator-App und fügen Sie ein Konto hinzu.
mfa-step-scan = Scannen Sie diesen Code oder tippen Sie den Schlüssel unten ein.
mfa-qr-alt = QR-Code für Ihre Authenticator-App
mfa-secret = Schlüssel:
mfa-step-code = Geben Sie den 6-stelligen Code ein, den die App jetzt zeigt.
mfa-code = 6-stelliger Code
mfa-confirm = Zwei-Schritt-Anmeldung einschalten
mfa-start-again = Mit einem neuen Code neu beginnen
mfa-done = Die Zwei-Schritt-Anmeldung ist eingeschaltet.
mfa-recovery-title = Ihre Wiederherstellungscodes
mfa-recovery-explain = Jeder Code meldet Sie einmal an, falls Sie Ihr Telefon verlieren. Schreiben Sie sie auf oder drucken Sie sie aus und bewahren Sie sie sicher auf: Sie werden nur jetzt angezeigt.
mfa-continue = Weiter
password-title = Passwort
password-change = Passwort ändern
password-required = Wählen Sie ein neues Passwort, bevor Sie fortfahren.
password-current = Aktuelles Passwort
password-new = Neues Passwort
password-repeat = Neues Passwort wiederholen
password-hint = Mindestens 12 Zeichen. Einige zusammenhanglose Wörter ergeben ein gutes Passwort.
password-mismatch = Die beiden neuen Passwörter stimmen nicht überein.
sessions-title = Wo Sie angemeldet sind
sessions-kind = Art
sessions-started = Begonnen
sessions-last-seen = Zuletzt aktiv
sessions-expires = Läuft ab
sessions-this-one = diese
sessions-logout-everywhere = Überall abmelden
session-kind-browser = Browser
session-kind-login = App-Anmeldung

## Kunden
search-title = Kunden finden
search-label = Name, E-Mail, Telefon oder Kundennummer
search-hint = Ergebnisse erscheinen beim Tippen.
search-submit = Suchen
customers-found = { $n ->
    [0] Kein Kunde gefunden.
    [one] { $n } Kunde gefunden.
   *[other] { $n } Kunden gefunden.
}
new-title = Neuer Kunde
new-privacy-title = Bevor Sie etwas eingeben: Informieren Sie den Kunden
new-privacy-intro = Wir speichern diese Angaben für folgende Zwecke:
new-privacy-rights = Der Kunde kann seine Daten jederzeit einsehen, berichtigen, exportieren oder löschen lassen und jede Einwilligung so einfach widerrufen, wie er sie gegeben hat.
new-consents = Einwilligungen
new-consents-hint = Kreuzen Sie nur an, was der Kunde jetzt erlaubt hat. Nichts ist vorausgewählt.
consent-text-version = Textversion { $version }
new-submit = Kunden anlegen
customer-since = Kunde seit { $date }
customer-updated = zuletzt geändert { $date }
action-edit = Bearbeiten
action-export-html = Export (Seite)
action-export-json = Export (JSON)
action-export-csv = Export (CSV)
action-erase = Löschen…
profile-fields = Angaben
reveal-title = Einen maskierten Wert anzeigen
reveal-which = Feld
reveal-reason = Warum Sie ihn sehen müssen
reveal-hint = Ihr Grund wird mit Ihrem Namen im Prüfprotokoll festgehalten.
reveal-submit = Anzeigen
reveal-shown = Der Wert wird nur auf dieser Seite gezeigt; der Zugriff wurde protokolliert.
timeline-title = Verlauf
timeline-empty = Noch keine Einträge.
timeline-hidden = Ihre Rolle sieht den Verlauf nicht.
record-add = Hinzufügen: { $name }
record-when = Wann
record-when-hint = Leer lassen für jetzt.
record-save = Eintrag speichern
consents-title = Einwilligungen
consents-purpose = Zweck
consents-channel = Kanal
consents-state = Stand
consents-since = Seit
consents-change = Ändern
consents-history = Vollständiger Verlauf mit Nachweisen
consents-when = Wann
consents-method = Wie
consents-text = Textversion
consents-evidence = Nachweis
consent-give = Einwilligung erfassen: { $name }
consent-withdraw = Widerrufen: { $name }
consent-state-none = nicht gefragt
channel-none = —
edit-title = { $name } bearbeiten
edit-save = Änderungen speichern
edit-conflict = Jemand anderes hat diesen Kunden gespeichert, während Sie bearbeitet haben. Von Ihren Eingaben ging nichts verloren: Vergleichen Sie unten und speichern Sie erneut.
conflict-title = Von jemand anderem geändert
conflict-field = Feld
conflict-theirs = Jetzt gespeichert
conflict-mine = Ihre Eingabe
conflict-explain = Ihre Eingaben bleiben im Formular. Speichern übernimmt sie über die gespeicherten Werte.
erase-title = { $name } löschen
erase-explain = Das Löschen entfernt diesen Kunden endgültig:
erase-what-data = Alle Felder, Verlaufseinträge und Einwilligungen werden durch Vernichten des Kundenschlüssels zerstört;
erase-what-keys = Sucheinträge verschwinden; nur verschlüsselte Fingerabdrücke von E-Mail, Telefon und Kennungen anderer Systeme bleiben, damit ein Import den Kunden nicht zurückbringt;
erase-what-audit = das Prüfprotokoll behält, dass der Kunde existierte und gelöscht wurde, ohne seine Daten;
erase-what-import = Geräte entfernen den Kunden aus ihren Zwischenspeichern;
erase-what-backups = ältere Sicherungen enthalten die verschlüsselten Daten, bis sie ablaufen; eine Wiederherstellung löscht den Kunden erneut.
erase-final = Das kann nicht rückgängig gemacht werden.
erase-type-number = Geben Sie zur Bestätigung die Kundennummer { $number } ein
erase-confirm-wrong = Die Kundennummer stimmt nicht: Es wurde nichts gelöscht.
erase-submit = Endgültig löschen

## Personal und Rollen
staff-title = Personal und Rollen
staff-accounts = Konten
staff-username = Benutzername
staff-role = Rolle
staff-status = Status
staff-created = Angelegt
staff-change = Ändern
staff-you = Sie
staff-active = aktiv
staff-disabled = gesperrt
staff-must-change = muss ein neues Passwort wählen
staff-role-of = Rolle von { $user }
staff-set-role = Rolle setzen
staff-enable = { $user } entsperren
staff-disable = { $user } sperren
staff-reset-password = Passwort zurücksetzen
staff-new-password-for = Neues Passwort für { $user }
staff-reset-submit = Zurücksetzen
staff-add = Mitarbeiter hinzufügen
staff-initial-password = Erstes Passwort
staff-initial-password-hint = Teilen Sie es der Person unter vier Augen mit; sie kann es unter „Mein Konto“ ändern.
staff-add-submit = Konto anlegen
matrix-title = Was jede Rolle darf
matrix-explain = Rollen geben jeder Tätigkeit nur das Nötigste. Nicht gewährte Kategorien werden für die Rolle nie entschlüsselt.
matrix-actions = Aktionen
matrix-action = Aktion
matrix-categories = Datenkategorien
matrix-category = Kategorie
matrix-yes = ja
matrix-no = —
access-full = vollständig
access-masked = maskiert
access-none = —

## Rollen
role-owner = Inhaber
role-manager = Leitung
role-staff = Mitarbeiter
role-clinician = Fachkraft (Gesundheit)
role-marketing = Marketing
role-auditor = Prüfer
role-device = Gerät

## Berechtigungen
perm-customer-create = Kunden anlegen
perm-customer-read = Kunden lesen
perm-customer-list = Alle Kunden auflisten
perm-customer-search = Kunden suchen
perm-customer-update = Kunden und Einwilligungen ändern
perm-customer-erase = Kunden löschen
perm-customer-reveal = Maskierte Werte anzeigen
perm-record-read = Verlauf lesen
perm-record-create = Verlaufseinträge hinzufügen
perm-catalog-read = Katalog lesen
perm-user-manage = Personal verwalten
perm-token-manage = API-Token verwalten
perm-audit-read = Prüfprotokoll lesen
perm-tenant-manage = Unternehmenseinstellungen ändern
perm-device-manage = Geräte verwalten
perm-role-manage = Rollen verwalten
perm-incident-manage = Vorfallregister führen
perm-customer-export = Kundendaten exportieren
perm-marketing-audience = Marketing-Zielgruppen exportieren
perm-data-request-manage = Betroffenenanfragen bearbeiten
perm-retention-manage = Aufbewahrung ausführen
perm-customer-import = Kunden importieren
perm-customer-export-all = Gesamte Kundenliste exportieren
perm-webhook-manage = Webhooks verwalten

## Datenkategorien
category-identity = Identität
category-contact = Kontakt
category-address = Adresse
category-purchase = Einkäufe
category-appointment = Termine
category-health = Gesundheit
category-payment-reference = Zahlungsreferenzen
category-preference = Vorlieben
category-note = Notizen

## Felder
field-first-name = Vorname
field-last-name = Nachname
field-birth-date = Geburtsdatum
field-email = E-Mail
field-phone = Telefon
field-street = Straße und Hausnummer
field-postal-code = Postleitzahl
field-city = Ort
field-country = Land
field-note = Notiz
field-loyalty-number = Kundenkartennummer
field-preferences = Vorlieben
field-preferred-stylist = Bevorzugte Stylistin / bevorzugter Stylist
field-allergies = Allergien und Hautreaktionen
field-plan = Tarif
field-subscription-start = Abobeginn
field-delivery-notes = Lieferhinweise
field-insurance-number = Versichertennummer
field-amount = Betrag
field-currency = Währung
field-items = Artikel
field-store = Filiale
field-service = Leistung
field-staff = Mitarbeiter
field-duration-minutes = Dauer (Minuten)
field-price = Preis
field-notes = Notizen
field-sphere-right = Sphäre, rechts
field-cylinder-right = Zylinder, rechts
field-axis-right = Achse, rechts
field-sphere-left = Sphäre, links
field-cylinder-left = Zylinder, links
field-axis-left = Achse, links
field-pupillary-distance = Pupillendistanz
field-remarks = Bemerkungen

## Auswahlwerte
value-basic = Basis
value-standard = Standard
value-premium = Premium
value-cancelled = Gekündigt

## Arten von Verlaufseinträgen
rtype-purchase = Einkauf
rtype-visit = Besuch
rtype-appointment = Termin
rtype-subscription-change = Abo-Änderung
rtype-eye-exam = Augenprüfung

## Zwecke
purpose-service = Kundenservice
purpose-newsletter = Newsletter
purpose-sms-offers = Angebote per SMS
purpose-birthday-greetings = Geburtstagsgrüße
purpose-accounting = Buchhaltung
purpose-health-records = Gesundheitsdaten
purpose-direct-marketing = Direktwerbung
purpose-description-service = Betreuung des Kunden: Verkauf, Termine, Kundendienst.
purpose-description-newsletter = Versand des Newsletters an Kunden, die ihn wünschen.
purpose-description-sms-offers = Versand von Angeboten per SMS an Kunden, die sie wünschen.
purpose-description-birthday-greetings = Versand von Geburtstagsgrüßen an Kunden, die sie wünschen.
purpose-description-accounting = Aufbewahrung von Verkaufsbelegen, wie es das Steuerrecht verlangt.
purpose-description-health-records = Gesundheitsdaten für eine sichere Behandlung, unter Berufsgeheimnis oder mit ausdrücklicher Einwilligung.

## Rechtsgrundlagen
basis-consent = Einwilligung, Art. 6 Abs. 1 lit. a DSGVO
basis-contract = Vertrag, Art. 6 Abs. 1 lit. b DSGVO
basis-legal-obligation = rechtliche Verpflichtung, Art. 6 Abs. 1 lit. c DSGVO
basis-legitimate-interest = berechtigtes Interesse, Art. 6 Abs. 1 lit. f DSGVO
basis-explicit-consent = ausdrückliche Einwilligung, Art. 9 Abs. 2 lit. a DSGVO
basis-health-care = Gesundheitsversorgung, Art. 9 Abs. 2 lit. h DSGVO

## Kanäle, Einwilligungsstände, Wege
channel-email = E-Mail
channel-sms = SMS
channel-phone = Telefon
channel-post = Post
channel-whatsapp = WhatsApp
consent-state-given = erteilt
consent-state-pending-confirmation = wartet auf Bestätigung
consent-state-withdrawn = widerrufen
consent-state-lapsed = erloschen
method-in-store = im Geschäft
method-web-form = Webformular
method-phone = telefonisch
method-paper = auf Papier
method-import = Import
method-privacy-portal = Datenschutzportal
method-double-opt-in = E-Mail-Bestätigung
method-unsubscribe-link = Abmeldelink
method-email = E-Mail

## Betroffenenanfragen
nav-requests = Anfragen
requests-title = Betroffenenanfragen
requests-explain = Anfragen von Kunden, ihre Daten einzusehen, zu übertragen, zu berichtigen, zu löschen oder einzuschränken, oder Widersprüche. Das Gesetz gibt einen Monat, mit Begründung um zwei weitere verlängerbar.
requests-overdue-count = { $n ->
    [one] { $n } Anfrage ist über der Frist.
   *[other] { $n } Anfragen sind über der Frist.
}
requests-show-open = Nur offene Anfragen zeigen
requests-show-all = Auch abgeschlossene Anfragen zeigen
requests-none = Keine Anfragen vorhanden.
requests-kind = Anfrage
requests-customer = Kunde
requests-received = Eingegangen
requests-due = Fällig
requests-state = Stand
requests-identity = Identitätsprüfung
requests-handle = Bearbeiten
requests-outcome = Ergebnis oder Grund
requests-save = Speichern
requests-overdue = überfällig
requests-how-to-open = Um eine neue Anfrage zu erfassen, öffnen Sie die Seite des Kunden und wählen Sie „Betroffenenanfrage erfassen“.
request-open = Betroffenenanfrage erfassen
request-open-kind = Art der Anfrage
request-open-note = Notiz (optional)
request-open-submit = Anfrage erfassen
request-kind-access = Auskunft (Art. 15)
request-kind-portability = Datenübertragbarkeit (Art. 20)
request-kind-rectification = Berichtigung (Art. 16)
request-kind-erasure = Löschung (Art. 17)
request-kind-restriction = Einschränkung (Art. 18)
request-kind-objection = Widerspruch (Art. 21)
request-state-open = offen
request-state-in-progress = in Bearbeitung
request-state-completed = erledigt
request-state-refused = abgelehnt
identity-check-pending = ausstehend
identity-check-verified = bestätigt
identity-check-failed = fehlgeschlagen
notice-request-opened = Die Anfrage wurde erfasst; ihre Frist steht in der Übersicht.
notice-request-updated = Die Anfrage wurde aktualisiert.

## Prüfprotokoll
nav-audit = Prüfprotokoll
audit-title = Prüfprotokoll
audit-explain = Jeder Zugriff auf personenbezogene Daten und jede Änderung, die neuesten zuerst. Das Protokoll ist verkettet und signiert: Jede Veränderung wird bei der Prüfung gefunden.
audit-verify = Protokoll auf Veränderungen prüfen
audit-verify-ok = Das Protokoll ist unversehrt: { $n } Ereignisse geprüft.
audit-checkpoints = { $n } signierte Prüfpunkte stimmen.
audit-verify-bad = Das Protokoll wurde verändert oder beschädigt, zuerst bei Ereignis { $n }. Legen Sie einen Vorfall an.
audit-filter = Filter
audit-customer = Kunden-ID
audit-customer-hint = Der Zugriffsverlauf eines Kunden.
audit-action = Aktion
audit-from = Von
audit-to = Bis
audit-apply = Anwenden
audit-when = Wann
audit-who = Wer
audit-customers = Kunden
audit-target = Einzelheiten
audit-outcome = Ergebnis
audit-reason = Grund: { $name }
audit-older = Ältere Ereignisse
profile-access-history = Zugriffsverlauf

## Warnungen
nav-alerts = Warnungen
alerts-title = Warnungen
alerts-explain = Was die Anomalieerkennung bemerkt hat: wiederholte Fehlanmeldungen, Massenabrufe, Zugriffe außerhalb der Öffnungszeiten, Exporte, fehlgeschlagene Sicherungen. Sehen Sie sich jede an und bestätigen Sie sie; legen Sie einen Vorfall an, wenn personenbezogene Daten offengelegt worden sein könnten.
alerts-show-open = Nur unbestätigte zeigen
alerts-show-all = Auch bestätigte zeigen
alerts-none = Keine Warnungen.
alerts-when = Wann
alerts-severity = Schwere
alerts-kind = Art
alerts-message = Was geschah
alerts-state = Stand
alerts-ack = Bestätigen
alerts-acked = bestätigt { $date }
alerts-open-incident = Vorfall anlegen
notice-alert-acknowledged = Die Warnung wurde bestätigt.
severity-info = Info
severity-warning = Warnung
severity-high = hoch
severity-critical = kritisch
alert-kind-repeated-failures = Wiederholte Fehlanmeldungen
alert-kind-revoked-credential = Widerrufener Zugang benutzt
alert-kind-bulk-reads = Viele Kunden abgerufen
alert-kind-off-hours-access = Zugriff außerhalb der Öffnungszeiten
alert-kind-export = Daten exportiert
alert-kind-break-glass = Notfallzugriff
alert-kind-audit-verification-failed = Prüfung des Protokolls fehlgeschlagen
alert-kind-backup-failed = Sicherung fehlgeschlagen
alert-kind-data-request-due-soon = Anfrage bald fällig
alert-kind-data-request-overdue = Anfrage überfällig

## Vorfälle
nav-incidents = Vorfälle
incidents-title = Vorfälle (Verletzungsregister)
incidents-explain = Jede Verletzung des Schutzes personenbezogener Daten wird hier festgehalten, ob meldepflichtig oder nicht. Die Aufsichtsbehörde ist binnen 72 Stunden nach Bekanntwerden zu informieren (Art. 33 DSGVO).
incidents-none = Keine Vorfälle erfasst.
incidents-name = Titel
incidents-status = Status
incidents-risk = Risiko
incidents-aware = Bekannt seit
incidents-deadline = Melden bis
incidents-clock = 72-Stunden-Frist
incidents-open = Vorfall erfassen
incidents-nature = Was geschah
incidents-alert = Warnungs-ID (optional)
incidents-alert-hint = Die Warnung, die ihn aufgedeckt hat, falls vorhanden.
incidents-open-submit = Vorfall erfassen
incident-left = noch { $time }
incident-overdue = Frist überschritten
incident-no-clock = keine Meldung fällig
incident-deadline = Meldung an die Behörde bis { $date }
incident-authority = Aufsichtsbehörde
incident-customers = Betroffene Personen
incident-required = muss benachrichtigt werden
incident-not-required = keine Meldung nötig
incident-notified = gemeldet { $date }
incident-affected = Betroffen
incident-affected-count = { $n ->
    [one] { $n } Kunde
   *[other] { $n } Kunden
}
incident-consequences = Wahrscheinliche Folgen
incident-measures = Ergriffene Maßnahmen
incident-assess = Bewerten und festhalten
incident-mark-notified = Die Behörde wurde soeben benachrichtigt
incident-save = Speichern
incident-drafts = Entworfene Benachrichtigungen
draft-for-authority = An die Aufsichtsbehörde
draft-for-customers = An die betroffenen Personen
incident-status-open = offen
incident-status-notified = gemeldet
incident-status-closed = abgeschlossen
risk-unassessed = noch nicht bewertet
risk-unlikely = voraussichtlich kein Risiko
risk-risk = ein Risiko
risk-high-risk = ein hohes Risiko
notice-incident-opened = Der Vorfall wurde erfasst; die 72-Stunden-Frist läuft ab dem Bekanntwerden.
notice-incident-updated = Der Vorfall wurde aktualisiert.

## Verwaltung
nav-admin = Verwaltung
nav-security = Sicherheitsübersicht
nav-security-about = Alle Schutzmaßnahmen auf einen Blick, jeweils mit dem, was zu tun ist.
nav-staff-about = Konten der Mitarbeitenden und was jede Rolle darf.
nav-devices = Geräte
nav-devices-about = Kassentablets und Buchungs-Apps: Kopplungscodes und Sperren.
nav-tokens = API-Token
nav-tokens-about = Schlüssel für angebundene Systeme, jeder mit Rolle und Ablaufdatum.
nav-catalog = Katalog und Aufbewahrung
nav-catalog-about = Was dieses Unternehmen erhebt, wozu, auf welcher Rechtsgrundlage und wie lange es aufbewahrt wird.
nav-import = Kunden importieren
nav-import-about = Eine Kundenliste aus Shopify, Fresha, Square oder einer Tabelle übernehmen, vorher geprüft.
nav-marketing = Marketing-Zielgruppe
nav-marketing-about = Die Kunden herunterladen, deren Einwilligung für einen Kanal heute gilt — niemanden sonst.
nav-backups = Sicherungen und Schlüssel
nav-backups-about = Die neueste Sicherung, die Kopien an anderem Ort und der Zustand der Schlüssel.
nav-export-all = Kundenliste exportieren
nav-export-all-about = Die ganze Liste als CSV, für den Umzug in ein anderes System (nur Inhaber; protokolliert und gemeldet).

## Sicherheitsübersicht
security-title = Sicherheitsübersicht
security-explain = Was die Daten Ihrer Kunden schützt, jetzt geprüft. Beheben Sie zuerst die roten Zeilen.
security-bad-count = { $n ->
    [one] { $n } Prüfung verlangt jetzt Handeln.
   *[other] { $n } Prüfungen verlangen jetzt Handeln.
}
security-all-good = Derzeit ist nichts zu tun.
security-version = custos Version { $version }
check-ok = In Ordnung
check-low = Hinweis
check-warn = Beachten
check-bad = Handeln
check-tls = Verschlüsselte Verbindungen
check-tls-fix = Erneuern Sie das TLS-Zertifikat vor dem Ablauf, oder sorgen Sie dafür, dass der vorgeschaltete Proxy nur HTTPS anbietet.
check-mfa = Zwei-Schritt-Anmeldung
check-mfa-fix = Verlangen Sie die Zwei-Schritt-Anmeldung in den Einstellungen und bitten Sie alle ohne sie, sie unter „Mein Konto“ einzurichten.
check-backup = Neueste Sicherung
check-backup-fix = Schalten Sie geplante Sicherungen ein (backup_every_hours) und prüfen Sie, warum die letzte fehlschlug oder alt ist.
check-offsite = Kopie an anderem Ort
check-offsite-fix = Legen Sie ein zweites Ziel fest (ein Verzeichnis auf einem anderen Datenträger oder einen S3-kompatiblen Speicher), damit ein verlorener Rechner keine Daten kostet.
check-restore-drill = Wiederherstellungsprobe
check-restore-drill-fix = Prüfen Sie eine Sicherung auf der Seite „Sicherungen“ (oder mit custos backup verify), damit Sie wissen, dass sie sich wiederherstellen lässt.
check-keys = Alter der Schlüssel
check-keys-fix = Tauschen Sie den Geschäftsschlüssel (custos keys rotate --tenant) wie vorgesehen aus und lassen Sie die Umschlüsselung abschließen.
check-retention = Aufbewahrung
check-retention-fix = Geben Sie jeder Art von Daten eine Aufbewahrungsregel (mindestens eine für inaktive Kundinnen und Kunden), damit nichts ewig gespeichert bleibt.
check-inactive-staff = Ungenutzte Mitarbeiterkonten
check-inactive-staff-fix = Sperren Sie die Konten von Personen, die nicht mehr hier arbeiten.
check-tokens = API-Tokens ohne Ablauf
check-tokens-fix = Ersetzen Sie Tokens ohne Ablaufdatum durch solche mit Ablauf und widerrufen Sie, was nicht mehr gebraucht wird.
check-requests = Anfragen Betroffener
check-requests-fix = Beantworten Sie überfällige Anfragen heute: Die gesetzliche Frist ist verstrichen.
check-alerts = Offene Warnungen
check-alerts-fix = Sehen Sie sich jede Warnung an und bestätigen Sie sie; eröffnen Sie einen Vorfall, wenn personenbezogene Daten betroffen sein könnten.
check-audit = Protokoll
check-audit-fix = Behandeln Sie das als möglichen Vorfall: Lassen Sie die Datenbank unverändert, prüfen Sie das Protokoll und eröffnen Sie einen Vorfall.
check-version = Bekannte Schwachstellen
check-version-fix = Aktualisieren Sie custos auf eine Version, die sie behebt, und halten Sie die Schwachstellen-Datenbank (advisory_db) aktuell.
check-fix-tls-self-signed = Installieren Sie ein Zertifikat einer Zertifizierungsstelle (z. B. Let's Encrypt) als tls_cert und tls_key, oder betreiben Sie custos hinter einem Proxy, der eines hat.
check-state-tls-off = dieser Server spricht hinter einem Proxy unverschlüsseltes HTTP
check-state-tls-expired = das Zertifikat ist am { $date } abgelaufen
check-state-tls-expiring = das Zertifikat läuft am { $date } ab
check-state-tls-self-signed = ein selbst signiertes Zertifikat, gültig bis { $date }: Browser warnen
check-state-tls-valid = Zertifikat gültig bis { $date }
check-state-mfa-all = { $n } von { $count } aktiven Konten nutzen sie
check-state-mfa-pending = { $n } von { $count } aktiven Konten nutzen sie; sie ist Pflicht, die übrigen richten sie bei der nächsten Anmeldung ein
check-state-mfa-optional = { $n } von { $count } aktiven Konten nutzen sie, und sie ist nicht vorgeschrieben
check-state-backup-unscheduled = geplante Sicherungen sind aus
check-state-backup-failed = die letzte geplante Sicherung ist fehlgeschlagen
check-state-backup-none = es gibt noch keine Sicherung
check-state-backup-stale = erstellt { $date }, älter als der Zeitplan erlaubt
check-state-backup-recent = { $n ->
    [one] vor { $n } Stunde erstellt
   *[other] vor { $n } Stunden erstellt
}
check-state-offsite-on = Sicherungen werden an einen zweiten Ort kopiert
check-state-offsite-off = Sicherungen bleiben nur auf diesem Rechner
check-state-drill-never = noch keine Sicherung wurde probeweise wiederhergestellt
check-state-drill-old = { $n ->
    [one] die letzte Wiederherstellungsprobe war vor { $n } Tag
   *[other] die letzte Wiederherstellungsprobe war vor { $n } Tagen
}
check-state-drill-recent = { $n ->
    [one] vor { $n } Tag probeweise wiederhergestellt
   *[other] vor { $n } Tagen probeweise wiederhergestellt
}
check-state-keys-master-missing = ein Schlüssel dieses Geschäfts ist mit einem Hauptschlüssel verpackt, den dieser Server nicht hat
check-state-keys-rewrap-pending = ein Schlüsseltausch ist noch nicht abgeschlossen
check-state-keys-old = { $n ->
    [one] der Geschäftsschlüssel ist { $n } Tag alt, älter als vorgesehen
   *[other] der Geschäftsschlüssel ist { $n } Tage alt, älter als vorgesehen
}
check-state-keys-fresh = { $n ->
    [one] der Geschäftsschlüssel ist { $n } Tag alt
   *[other] der Geschäftsschlüssel ist { $n } Tage alt
}
check-state-retention-none = keine Aufbewahrungsregel: Daten bleiben für immer
check-state-retention-gaps = { $n ->
    [0] keine Regel löscht inaktive Kundinnen und Kunden
    [one] { $n } Art von Daten hat keine Aufbewahrungsregel
   *[other] { $n } Arten von Daten haben keine Aufbewahrungsregel
}
check-state-retention-all = { $n ->
    [one] { $n } Aufbewahrungsregel begrenzt jede Art von Daten
   *[other] { $n } Aufbewahrungsregeln begrenzen jede Art von Daten
}
check-state-staff-inactive = { $n ->
    [one] { $n } Konto wurde seit 90 Tagen nicht genutzt
   *[other] { $n } Konten wurden seit 90 Tagen nicht genutzt
}
check-state-staff-active = jedes Konto wurde in den letzten 90 Tagen genutzt
check-state-tokens-forever = { $n ->
    [one] { $n } Token läuft nie ab
   *[other] { $n } Tokens laufen nie ab
}
check-state-tokens-expire = jedes Token läuft ab
check-state-requests-overdue = { $n ->
    [one] { $n } Anfrage hat die gesetzliche Frist überschritten
   *[other] { $n } Anfragen haben die gesetzliche Frist überschritten
}
check-state-requests-on-time = keine überfällig
check-state-alerts-high = { $n ->
    [one] { $n } offene Warnung, eine schwere darunter
   *[other] { $n } offene Warnungen, schwere darunter
}
check-state-alerts-open = { $n ->
    [one] { $n } Warnung noch nicht angesehen
   *[other] { $n } Warnungen noch nicht angesehen
}
check-state-alerts-none = keine
check-state-audit-intact = { $n ->
    [one] { $n } Eintrag, die Kette ist intakt
   *[other] { $n } Einträge, die Kette ist intakt
}
check-state-audit-broken = die Kette lässt sich nicht bestätigen
check-state-version-unchecked = nicht geprüft: keine Schwachstellen-Datenbank eingerichtet
check-state-version-clean = keine bekannte Schwachstelle in dieser Version
check-state-version-vulnerable = { $n ->
    [one] { $n } bekannte Schwachstelle betrifft diese Version
   *[other] { $n } bekannte Schwachstellen betreffen diese Version
}

## Import
import-title = Kunden importieren
import-explain = Laden Sie eine aus Shopify, Fresha oder Square exportierte Kundenliste hoch, oder eine beliebige CSV mit Spaltenzuordnung. Nur vorgesehene Felder bleiben erhalten; Zeilen, die bestehenden oder gelöschten Kunden entsprechen, werden nicht erneut importiert.
import-source = Woher die Liste stammt
import-source-csv = Andere CSV (braucht eine Zuordnung)
import-file = Die Datei (CSV, bis 64 MiB)
import-mapping = Spaltenzuordnung (für eine andere CSV)
import-mapping-text = Zuordnung: eine Zeile je Spalte, „Spalte,Ziel“
import-mapping-hint = Ein Ziel ist ein Feldname, external_id, consent:ZWECK oder consent:ZWECK:KANAL, oder drop.
import-check-only = Nur prüfen: zeigen, was geschähe, nichts schreiben
import-update = Bereits vorhandene Kunden aktualisieren
import-submit = Hochladen
import-choose-source = Wählen Sie, woher die Liste stammt.
import-no-file = Wählen Sie eine Datei zum Hochladen.
import-bad-mapping = Die Zuordnung ist ungültig:
import-needs-mapping = Eine andere CSV braucht eine Spaltenzuordnung.
import-report-checked = Geprüft: Es wurde nichts geschrieben
import-report-done = Importiert
import-nothing-written = Das war eine Prüfung. Zum Importieren wählen Sie die Datei erneut, entfernen das Häkchen bei „Nur prüfen“ und laden hoch.
import-rows = Gelesene Zeilen
import-would-create = Würden angelegt
import-created = Angelegt
import-updated = Aktualisiert
import-skipped = Schon vorhanden (übersprungen)
import-consents = Erfasste Einwilligungen
import-refused = Abgelehnte Zeilen
import-duplicates = Wiederholte Zeilen in der Datei
import-dropped = Nicht gespeicherte Spalten
import-line = Zeile
import-why = Grund
import-same-as = Gleich wie Zeile
import-on = Übereinstimmung bei
import-column = Spalte
import-values = Nicht gespeicherte Werte

## Geräte
devices-title = Geräte
devices-explain = Ein Kassentablet oder eine Buchungs-App wird einmal mit einem kurzen Code gekoppelt und arbeitet dann mit eigenem Schlüssel. Sperren Sie ein verlorenes Gerät sofort: Es kann dann nichts mehr abrufen.
devices-name = Gerätename
devices-name-hint = Zum Beispiel „Tablet am Empfang“.
devices-registered = Registriert
devices-state = Stand
devices-revoke = Sperren
devices-add = Neues Gerät koppeln
devices-add-submit = Kopplungscode erzeugen
device-code-for = Kopplungscode für { $name }
device-code-until = Geben Sie ihn vor { $date } in der App ein. Er gilt einmal.
device-revoke = { $name } sperren
device-revoked = gesperrt
device-paired = gekoppelt { $date }
device-waiting = wartet auf Kopplung bis { $date }
notice-device-revoked = Das Gerät wurde gesperrt.

## API-Token
tokens-title = API-Token
tokens-explain = Token erlauben angebundenen Systemen, die API mit einer Rolle zu nutzen, die nicht weiter reicht als Ihre. Geben Sie jedem ein Ablaufdatum.
tokens-name = Name
tokens-created = Erstellt
tokens-revoke = Widerrufen
tokens-add = Token erstellen
tokens-days = Gültig für (Tage)
tokens-days-hint = Nur leer lassen für ein Token, das nie ablaufen darf.
tokens-add-submit = Token erstellen
token-new = Neues Token „{ $name }“
token-shown-once = Kopieren Sie es jetzt in das System, das es nutzen wird: Es wird nur einmal gezeigt und kann nicht wiederhergestellt werden.
token-revoke = { $name } widerrufen
token-never = nie
notice-token-revoked = Das Token wurde widerrufen.

## Katalog und Aufbewahrung
catalog-title = Katalog und Aufbewahrung
catalog-explain = Was dieses Unternehmen erhebt und wozu, wie festgelegt (ausgehend von der Vorlage „{ $name }“). Anderes kann nicht gespeichert werden.
catalog-fields = Kundenfelder
catalog-record-type = Verlaufseinträge: { $name }
catalog-purposes = Zwecke
catalog-field = Feld
catalog-type = Typ
catalog-flags = Regeln
catalog-your-access = Ihr Zugriff
catalog-required = Pflichtfeld
catalog-searchable = durchsuchbar
catalog-special = besondere Kategorie
catalog-consent-texts = Einwilligungstexte
catalog-version = Version
catalog-text = Text
catalog-lapses = { $n ->
    [one] Einwilligung erlischt nach { $n } Tag ohne Kontakt
   *[other] Einwilligung erlischt nach { $n } Tagen ohne Kontakt
}
retention-title = Aufbewahrung
retention-none = Keine Aufbewahrungsregeln: Daten bleiben, bis jemand sie löscht.
retention-uncovered = Keine Regel begrenzt, wie lange diese aufbewahrt werden:
retention-rule = Regel
retention-applies = Gilt für
retention-keep = Aufbewahrt für
retention-then = Danach
retention-why = Grund
retention-inactive = inaktive Kunden
retention-days = { $n ->
    [one] { $n } Tag
   *[other] { $n } Tage
}
retention-action-delete = gelöscht
retention-action-anonymise = zu Zählwerten anonymisiert

## Marketing
marketing-title = Marketing-Zielgruppe
marketing-explain = Eine Liste für einen Zweck und Kanal enthält nur die Kunden, deren Einwilligung heute gilt, nur mit dem Kontakt, den der Kanal braucht, und mit einem Abmeldelink für jeden.
marketing-none = Kein Marketingzweck ist festgelegt.
marketing-download = Herunterladen: { $name }
marketing-audited = Jeder Download wird mit seinem Umfang im Prüfprotokoll festgehalten und löst eine Warnung aus.

## Sicherungen und Schlüssel
backups-title = Sicherungen und Schlüssel
backups-off = Geplante Sicherungen sind ausgeschaltet.
backups-none = Es wurde noch keine Sicherung erstellt.
backups-newest = Neueste Sicherung: { $date }
backups-failed = Die letzte Sicherung ist fehlgeschlagen:
backups-how = Sicherungen werden für den Sicherungsschlüssel verschlüsselt, der nicht auf diesem Server liegt. Prüfen Sie eine mit „custos backup verify“ und üben Sie die Wiederherstellung mit „custos backup restore“.
backups-local = Auf diesem Server
backups-copies = Kopien an anderem Ort
backups-file = Datei
backups-taken = Erstellt
backups-size = Größe
backup-size = { $n } KiB
backup-every = { $n ->
    [one] Jede Stunde wird gesichert.
   *[other] Alle { $n } Stunden wird gesichert.
}
keys-title = Schlüssel
keys-version = Version des Unternehmensschlüssels
keys-since = Seit
keys-master = Umschlossen vom Hauptschlüssel
keys-state = Stand
keys-ok = in Gebrauch
keys-rewrap = Umschlüsselung ausstehend
keys-how = Erneuern mit „custos keys rotate --tenant“ (Unternehmensschlüssel) oder „--master“; der Server läuft weiter.

## Aufbewahrungsseite
nav-retention = Aufbewahrung
nav-retention-about = Wie lange jede Datenart aufbewahrt wird und was danach geschieht; einen Durchlauf prüfen oder starten.
retention-explain = Daten bleiben nur so lange, wie ihr Zweck es verlangt. Ist die Frist einer Regel abgelaufen, werden die Daten gelöscht (oder zu Zählwerten, die niemanden nennen). Kunden unter einer Aufbewahrungspflicht bleiben unberührt.
retention-keep-days = Aufbewahrt für (Tage)
retention-keep-of = Aufbewahrungstage: { $name }
retention-then-of = Was danach geschieht: { $name }
retention-why-of = Grund: { $name }
retention-remove = Entfernen
retention-remove-of = Regel { $name } entfernen
retention-add = Regel hinzufügen
retention-save = Regeln speichern
retention-sweep = Regeln anwenden
retention-sweep-explain = Durchläufe finden auch täglich von selbst statt. Prüfen Sie zuerst, was fällig ist.
retention-check = Prüfen, was fällig ist
retention-run = Jetzt ausführen
retention-checked = Geprüft: Es wurde nichts gelöscht
retention-ran = Durchlauf erledigt
retention-history = Frühere Durchläufe
retention-was-check = nur geprüft
retention-incomplete = wird im nächsten Durchlauf fortgesetzt
retention-due = Fällig
retention-deleted = Gelöscht
retention-anonymised = Anonymisiert
retention-held = Behalten (Aufbewahrungspflicht)
notice-retention-saved = Die Aufbewahrungsregeln wurden gespeichert.

## Schutz im Kundenprofil
protection-title = Aufbewahrung, Einschränkung und Widerspruch
hold-title = Aufbewahrungspflicht
hold-explain = Eine Aufbewahrungspflicht schützt die Daten dieses Kunden vor Fristablauf und Löschung, solange ein Anspruch, eine Prüfung oder eine Ermittlung sie braucht.
hold-reason = Warum die Daten aufbewahrt werden müssen
hold-place = Aufbewahrungspflicht festlegen
hold-since = Aufbewahrt seit { $date }
hold-lift = Aufbewahrungspflicht aufheben
restriction-title = Einschränkung der Verarbeitung (Art. 18)
restriction-explain = Solange der Kunde die Daten oder ihre Verwendung bestreitet, sind nur Speichern, Lesen und Exportieren erlaubt.
restriction-reason = Warum die Verarbeitung eingeschränkt wird
restriction-place = Verarbeitung einschränken
restriction-since = Eingeschränkt seit { $date }
restriction-lift = Einschränkung aufheben
objection-title = Widerspruch gegen Direktwerbung (Art. 21)
objection-explain = Hält fest, dass der Kunde widerspricht: Jede Werbeeinwilligung endet sofort, auf jedem Kanal.
objection-record = Widerspruch erfassen
notice-hold-placed = Die Aufbewahrungspflicht wurde festgelegt.
notice-hold-lifted = Die Aufbewahrungspflicht wurde aufgehoben.
notice-restricted = Die Verarbeitung ist eingeschränkt.
notice-restriction-lifted = Die Einschränkung wurde aufgehoben.
notice-objection-recorded = Der Widerspruch wurde erfasst; Werbung an diesen Kunden ist beendet.
restriction-ground-accuracy-contested = der Kunde bestreitet die Richtigkeit der Daten (a)
restriction-ground-unlawful-processing = die Verarbeitung ist unrechtmäßig und der Kunde wünscht Einschränkung statt Löschung (b)
restriction-ground-legal-claims = der Kunde braucht die Daten für Rechtsansprüche (c)
restriction-ground-objection-pending = der Kunde hat widersprochen und die Entscheidung steht aus (d)
backup-run-now = Jetzt sichern
backup-taken = Die Sicherung { $name } wurde erstellt und, wo eingerichtet, kopiert.
backup-verify = Prüfen
backup-verify-one = { $name } prüfen
backup-verified = { $name } wurde entschlüsselt und in einer Arbeitskopie geprüft.
backup-not-verified = { $name } konnte nicht geprüft werden:

## Einstellungen
nav-settings = Unternehmenseinstellungen
nav-settings-about = Zwei-Schritt-Anmeldung für alle, Zeitzone und Öffnungszeiten, wohin Warnungen gehen, das Datenschutzportal.
nav-webhooks = Webhooks
nav-webhooks-about = Angebundene Systeme benachrichtigen, wenn Kunden angelegt, geändert, gelöscht werden oder Einwilligungen ändern (signiert).
settings-title = Unternehmenseinstellungen
settings-signin = Anmeldung
settings-require-mfa = Jedes Konto muss die Zwei-Schritt-Anmeldung nutzen
settings-require-mfa-hint = Wer sie nicht hat, wird bei der nächsten Anmeldung zur Einrichtung geführt.
settings-hours = Zeitzone und Öffnungszeiten
settings-time-zone = Zeitzone
settings-time-zone-hint = Ein IANA-Name, z. B. Europe/Berlin oder Europe/Vienna.
settings-hours-hint = Als 09:00-18:00; einen Tag leer lassen, wenn geschlossen. Zugriffe außerhalb dieser Zeiten lösen eine Warnung aus.
settings-alerts = Wohin Warnungen gehen
settings-alert-email = E-Mail-Adresse
settings-alert-webhook = Webhook-Adresse (HTTPS)
settings-webhook-secret = Das Signaturgeheimnis des Warnungs-Webhooks
settings-portal = Datenschutzportal
settings-self-erasure = Kunden dürfen sich im Datenschutzportal sofort selbst löschen
settings-self-erasure-hint = Sonst kommt ihre Anfrage in die Übersicht der Betroffenenanfragen.
settings-save = Einstellungen speichern
notice-settings-saved = Die Einstellungen wurden gespeichert.
day-mon = Montag
day-tue = Dienstag
day-wed = Mittwoch
day-thu = Donnerstag
day-fri = Freitag
day-sat = Samstag
day-sun = Sonntag
webhooks-title = Webhooks
webhooks-explain = Ein angebundenes System (eine Buchungs-App, ein Shop, ein Newsletter-Werkzeug) wird unter seiner HTTPS-Adresse benachrichtigt, wenn etwas geschieht, signiert mit einem Geheimnis, das nur es kennt. Die Nachricht nennt die Kunden-ID, nie die Daten.
webhooks-url = Adresse
webhooks-events = Ereignisse
webhooks-description = Beschreibung
webhooks-delete = Löschen
webhooks-add = Webhook hinzufügen
webhooks-add-submit = Webhook hinzufügen
webhook-secret-for = Signaturgeheimnis für { $name }
webhook-delete = { $name } löschen
webhook-deliveries = Zustellungen
webhook-no-deliveries = Noch nichts gesendet.
webhook-when = Wann
webhook-attempts = Versuche
webhook-status = Status
event-customer-created = Kunde angelegt
event-customer-updated = Kunde geändert
event-customer-erased = Kunde gelöscht
event-consent-changed = Einwilligung geändert
event-data-request-opened = Betroffenenanfrage eingegangen
delivery-pending = wartet
delivery-delivered = zugestellt
delivery-failed = fehlgeschlagen
notice-webhook-deleted = Der Webhook wurde gelöscht.

## Personal: weitere
staff-compromised = { $user } ist kompromittiert
notice-user-compromised = Alle Sitzungen und Token des Kontos wurden beendet; die Person muss ein neues Passwort wählen.
notice-role-created = Die Rolle wurde angelegt.
notice-role-deleted = Die Rolle wurde gelöscht.
notice-grant-given = Notfallzugriff wurde gewährt; er endet von selbst und jede Nutzung wird im Prüfprotokoll markiert.
notice-grant-ended = Der Notfallzugriff wurde beendet.
grant-title = Notfallzugriff (Break-Glass)
grant-explain = Gibt einer Person für kurze Zeit und mit Begründung eine weiter reichende Rolle. Das löst eine Warnung aus, endet von selbst, und jeder Zugriff damit wird im Prüfprotokoll markiert.
grant-until = Bis
grant-reason = Begründung
grant-minutes = Für wie viele Minuten
grant-give = Notfallzugriff gewähren
grant-end = Beenden
grant-end-for = Für { $user } beenden
role-define = Rolle festlegen
role-define-explain = Eine eigene Rolle erlaubt ausgewählte Aktionen und je Datenkategorie keinen Zugriff, maskierte oder vollständige Werte.
role-name = Rollenname
role-name-hint = Kleinbuchstaben, Ziffern und _, z. B. empfang.
role-create = Rolle anlegen
role-delete = Rolle { $role } löschen
access-none-word = kein Zugriff

## Anfragen und Vorfälle, weiteres
requests-extend = Frist verlängern um
requests-months = { $n ->
    [one] { $n } Monat
   *[other] { $n } Monate
}
requests-extension-reason = Warum mehr Zeit nötig ist (dem Kunden mitteilen)
incident-mark-customers = Die betroffenen Personen wurden soeben informiert
incident-close = Vorfall abschließen (er bleibt im Register)
incident-closed = Abgeschlossen
incident-notes = Notizen
incident-no-notes = Noch keine Notizen.
incident-note-kind = Art der Notiz
incident-note-text = Notiz
incident-add-note = Notiz hinzufügen
note-kind-follow-up = Nachtrag
note-kind-delay-reason = Grund für eine verspätete Meldung
marketing-report = Einwilligungen heute
import-one-title = Ein Kunde zieht mit seinen Daten hierher um
import-one-explain = Laden Sie den Export (JSON) hoch, den ein Kunde von diesem oder einem anderen custos-Server mitbringt. Nur was dieses Unternehmen vorsieht, bleibt erhalten; ein gelöschter Kunde kommt nie zurück.
import-one-file = Der Export (JSON)
import-one-submit = Kunden importieren
import-one-done = Der Kunde wurde importiert
import-one-records = { $n } Verlaufseinträge
import-one-consents = { $n } Einwilligungsereignisse
import-one-dropped = Nicht übernommen (hier nicht vorgesehen): { $name }
import-not-an-export = Diese Datei ist kein custos-Kundenexport (JSON).
customers-browse = Alle Kunden durchblättern
customers-more = Weitere Kunden
consent-how = Wie der Kunde es mitgeteilt hat: { $name }
delivery-what = Was
delivery-channel-email = E-Mail
delivery-channel-webhook = Webhook
alert-deliveries = Wohin sie gesendet wurde
incident-affected-list = Die betroffenen Kunden
incident-accesses = Zugriffe
retention-aggregates = Was die Anonymisierung behalten hat
retention-aggregates-explain = Zählwerte je Monat, die niemanden nennen, behalten beim Anonymisieren von Verlaufseinträgen.
retention-group = Gruppe
retention-count = Anzahl
retention-sums = Summen
mfa-turn-off = Zwei-Schritt-Anmeldung ausschalten
mfa-required-stays = Dieses Unternehmen verlangt sie: Sie bleibt eingeschaltet.
notice-mfa-off = Die Zwei-Schritt-Anmeldung ist ausgeschaltet.

## Compliance
nav-compliance = Datenschutz-Dokumente
nav-compliance-about = Verarbeitungsverzeichnis, Datenschutzhinweise, Datenflussplan, Empfänger und die monatliche Selbstprüfung.
compliance-title = Datenschutz-Dokumente
compliance-explain = custos schreibt diese Dokumente aus dem, was es tatsächlich tut: dem Katalog, den Empfängern und Kontaktdaten unten und der Serverkonfiguration. Sie ändern sich, wenn sich diese ändern.
compliance-documents = Dokumente
compliance-ropa = Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO)
compliance-ropa-hint = eine druckbare Seite; im Browser als PDF drucken
compliance-notice = Datenschutzhinweise, Version { $version }
compliance-notice-versions = Frühere Versionen der Datenschutzhinweise
compliance-notice-version = Version { $version }
compliance-checks = Sicherheitsprüfungen
compliance-map = Wo personenbezogene Daten hinein- und hinausgehen
compliance-map-hint = Aus der aktuellen Konfiguration gezeichnet: Geräte, Konten, Webhooks, Sicherungen und die Empfänger unten.
compliance-map-alt = Datenflussplan: links die Quellen personenbezogener Daten, in der Mitte custos mit den gespeicherten Datenarten, rechts, wohin Daten gehen.
compliance-recipients = Empfänger
compliance-recipients-hint = Alle außerhalb des Geschäfts, die personenbezogene Daten erhalten: E-Mail-Anbieter, Zahlungsdienstleister, Steuerberatung, Finanzamt. Sie stehen in den Datenschutzhinweisen und im Verarbeitungsverzeichnis.
compliance-recipients-none = Kein Empfänger angegeben: Die Dokumente sagen, dass niemand außerhalb des Geschäfts personenbezogene Daten erhält.
compliance-recipient-name = Name
compliance-recipient-kind = Art
compliance-recipient-purposes = Zwecke
compliance-recipient-categories = Datenarten
compliance-recipient-country = Land
compliance-recipient-country-hint = Zwei Buchstaben, z. B. DE, PL oder US. Außerhalb der EU/des EWR ist eine Garantie nötig.
compliance-recipient-safeguard = Garantie einer Übermittlung außerhalb der EU/des EWR
compliance-safeguard-none = Keine (innerhalb der EU/des EWR)
compliance-recipient-add = Empfänger hinzufügen
compliance-recipient-add-submit = Empfänger hinzufügen
compliance-recipient-remove-column = Entfernen
compliance-recipient-remove = { $name } entfernen
compliance-controller = Kontaktdaten des Geschäfts
compliance-controller-hint = Wird Kundinnen und Kunden in den Datenschutzhinweisen als Kontakt des Verantwortlichen gezeigt.
compliance-controller-legal-name = Eingetragener Name
compliance-controller-address = Postanschrift
compliance-controller-email = E-Mail für Datenschutzfragen
compliance-controller-phone = Telefon
compliance-controller-dpo = Datenschutzbeauftragte(r) (falls vorhanden)
compliance-controller-representative = Vertreter in der EU (wenn das Geschäft außerhalb liegt)
compliance-controller-save = Kontaktdaten speichern
compliance-self-audits = Berichte der Selbstprüfung
compliance-self-audits-hint = Die Sicherheitsprüfungen, jeden Monat gespeichert (und immer, wenn Sie sie hier starten), damit Sie zeigen können, wie es stand.
compliance-self-audits-none = Noch kein Bericht gespeichert.
compliance-self-audit-run = Selbstprüfung jetzt starten
compliance-count-bad = { $n } zu handeln
compliance-count-warn = { $n } zu beachten
notice-compliance-recipient-added = Der Empfänger wurde hinzugefügt; die Datenschutzhinweise haben eine neue Version.
notice-compliance-recipient-removed = Der Empfänger wurde entfernt; die Datenschutzhinweise haben eine neue Version.
notice-compliance-controller-saved = Die Kontaktdaten wurden gespeichert.
notice-compliance-self-audit-saved = Der Bericht der Selbstprüfung wurde gespeichert.
recipient-kind-processor = Auftragsverarbeiter (in unserem Auftrag)
recipient-kind-controller = Eigenständiger Verantwortlicher
recipient-kind-public-authority = Behörde
safeguard-adequacy-decision = Angemessenheitsbeschluss
safeguard-standard-contractual-clauses = Standardvertragsklauseln
safeguard-binding-corporate-rules = Verbindliche interne Datenschutzvorschriften
safeguard-explicit-consent = Ausdrückliche Einwilligung
self-audit-trigger-scheduled = monatlich
self-audit-trigger-on-demand = von Hand gestartet
