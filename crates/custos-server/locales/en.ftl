# custos web UI — English. Every message here must exist in de.ftl and pl.ftl (a test checks).

## Frame
skip-to-content = Skip to content
nav-label = Main
nav-customers = Customers
nav-new-customer = New customer
nav-staff = Staff and roles
nav-account = My account
sign-out = Sign out
language-label = Language
cancel = Cancel
yes = Yes
no = No
restricted = Processing restricted
masked = masked
masked-keep = Hidden from your role; leave empty to keep it
country-hint = Two-letter country code, e.g. DE, PL, GB.

## Errors
error-title = Something stopped this page
error-back = Back to the start page
error-reference = Reference for support: { $id }
error-invalid-json = The form could not be read.
error-invalid-query = The address of this page is not valid.
error-invalid-header = The request could not be read.
error-unauthorized = Please sign in.
error-invalid-credentials = The username or password is wrong.
error-mfa-required = This account uses two-step sign-in: enter the code from your authenticator app.
error-invalid-mfa-code = The code is wrong, expired or was used already.
error-mfa-enrolment-required = This business requires two-step sign-in: set it up first.
error-csrf-failed = This form has expired or did not come from this site. Open the page again and resend it.
error-forbidden = Your role does not allow this.
error-password-change-required = Choose a new password first.
error-not-found = There is nothing here: it does not exist or was erased.
error-method-not-allowed = This action is not possible here.
error-conflict = This conflicts with what is stored already.
error-link-expired = This link has expired.
error-restricted = Processing of this customer is restricted: only reading and exporting are possible.
error-legal-hold = A legal hold keeps this data: it cannot be erased now.
error-version-mismatch = Someone else changed this in the meantime.
error-payload-too-large = What was sent is too large.
error-unsupported-media-type = This kind of upload is not accepted.
error-unknown-field = This field is not declared for this business.
error-invalid-field = A value is not valid
error-card-number-refused = Card numbers are never stored: remove it
error-unknown-record-type = This kind of entry is not declared for this business.
error-invalid-request = What was entered is not valid. Check the form and try again.
error-password-refused = This password is refused: use at least 12 characters and nothing common or about you.
error-idempotency-key-reused = This form was already sent with other values. Open it again.
error-precondition-required = The version being changed is missing. Open the page again.
error-rate-limited = Too many attempts. Wait a moment and try again.
error-internal = Something went wrong on the server.
error-unavailable = The service is unavailable right now. Try again shortly.

## Notices after an action
notice-customer-created = The customer was created.
notice-customer-created-consent-failed = The customer was created, but a consent could not be recorded: check the consents below.
notice-customer-saved = The changes were saved.
notice-nothing-changed = Nothing was changed.
notice-customer-erased = The customer was erased.
notice-record-added = The entry was added to the timeline.
notice-consent-given = The consent was recorded.
notice-consent-pending = The consent is waiting for the customer to confirm the e-mail we sent.
notice-consent-withdrawn = The withdrawal was recorded.
notice-user-created = The account was created. Give the person their first password in private.
notice-user-changed = The account was changed.
notice-password-reset = The password was reset; the person must choose a new one at next sign-in.
notice-password-changed = Your password was changed. Your other sessions were ended.

## Sign-in and account
login-title = Sign in
login-username = Username
login-password = Password
login-code = Code from your authenticator app
login-code-hint = Only if you have set up two-step sign-in.
login-more = Recovery code or another business
login-recovery = Recovery code
login-business = Business
login-business-hint = Only needed when this server hosts several businesses.
login-submit = Sign in
account-title = My account
mfa-title = Two-step sign-in
mfa-on = Two-step sign-in is on.
mfa-off = Two-step sign-in is off. Anyone who learns your password could sign in as you.
mfa-recovery-left = { $n ->
    [one] You have { $n } recovery code left.
   *[other] You have { $n } recovery codes left.
}
mfa-set-up = Set up two-step sign-in
mfa-required = This business requires two-step sign-in for every account. Set it up to continue.
mfa-explain = You will need an authenticator app on your phone (for example FreeOTP, Aegis or Google Authenticator).
mfa-step-app = Open your authenticator app and add an account.
mfa-step-scan = Scan this code, or type the key below.
mfa-qr-alt = QR code for your authenticator app
mfa-secret = Key:
mfa-step-code = Enter the 6-digit code the app now shows.
mfa-code = 6-digit code
mfa-confirm = Turn on two-step sign-in
mfa-start-again = Start again with a new code
mfa-done = Two-step sign-in is on.
mfa-recovery-title = Your recovery codes
mfa-recovery-explain = Each code signs you in once if you lose your phone. Write them down or print them and keep them somewhere safe: they are shown only now.
mfa-continue = Continue
password-title = Password
password-change = Change password
password-required = Choose a new password before you continue.
password-current = Current password
password-new = New password
password-repeat = New password again
password-hint = At least 12 characters. A few unrelated words make a good password.
password-mismatch = The two new passwords are not the same.
sessions-title = Where you are signed in
sessions-kind = Kind
sessions-started = Started
sessions-last-seen = Last seen
sessions-expires = Expires
sessions-this-one = this one
sessions-logout-everywhere = Sign out everywhere
session-kind-browser = Browser
session-kind-login = App sign-in

## Customers
search-title = Find a customer
search-label = Name, e-mail, phone or customer number
search-hint = Results appear as you type.
search-submit = Search
customers-found = { $n ->
    [0] No customer found.
    [one] { $n } customer found.
   *[other] { $n } customers found.
}
new-title = New customer
new-privacy-title = Before you enter anything: tell the customer
new-privacy-intro = We keep these details for the following purposes:
new-privacy-rights = The customer can see, correct, export or erase their data at any time, and withdraw any consent as easily as it was given.
new-consents = Consents
new-consents-hint = Tick only what the customer has agreed to now. Nothing is ticked by default.
consent-text-version = text version { $version }
new-submit = Create customer
customer-since = Customer since { $date }
customer-updated = last changed { $date }
action-edit = Edit
action-export-html = Export (page)
action-export-json = Export (JSON)
action-export-csv = Export (CSV)
action-erase = Erase…
profile-fields = Details
reveal-title = Show a masked value
reveal-which = Field
reveal-reason = Why you need to see it
reveal-hint = Your reason is written to the audit trail with your name.
reveal-submit = Show
reveal-shown = The value is shown on this page only; the access was recorded.
timeline-title = Timeline
timeline-empty = No entries yet.
timeline-hidden = Your role does not see the timeline.
record-add = Add: { $name }
record-when = When
record-when-hint = Leave empty for now.
record-save = Save entry
consents-title = Consents
consents-purpose = Purpose
consents-channel = Channel
consents-state = State
consents-since = Since
consents-change = Change
consents-history = Full history with evidence
consents-when = When
consents-method = How
consents-text = Text version
consents-evidence = Evidence
consent-give = Record consent: { $name }
consent-withdraw = Withdraw: { $name }
consent-state-none = not asked
channel-none = —
edit-title = Edit { $name }
edit-save = Save changes
edit-conflict = Someone else saved this customer while you were editing. Nothing of yours was lost: compare below, then save again.
conflict-title = Changed by someone else
conflict-field = Field
conflict-theirs = Stored now
conflict-mine = Your entry
conflict-explain = Your entries are kept in the form. Saving now applies them over the stored values.
erase-title = Erase { $name }
erase-explain = Erasing removes this customer for good:
erase-what-data = every field, timeline entry and consent is destroyed by deleting the customer's key;
erase-what-keys = search entries go; only keyed fingerprints of e-mail, phone and other systems' ids stay, so that an import cannot bring the customer back;
erase-what-audit = the audit trail keeps that the customer existed and was erased, without their data;
erase-what-import = devices drop the customer from their caches;
erase-what-backups = older backups still hold the encrypted data until they expire; a restore erases the customer again.
erase-final = This cannot be undone.
erase-type-number = Type the customer number { $number } to confirm
erase-confirm-wrong = The customer number does not match: nothing was erased.
erase-submit = Erase for good

## Staff and roles
staff-title = Staff and roles
staff-accounts = Accounts
staff-username = Username
staff-role = Role
staff-status = Status
staff-created = Created
staff-change = Change
staff-you = you
staff-active = active
staff-disabled = disabled
staff-must-change = must choose a new password
staff-role-of = Role of { $user }
staff-set-role = Set role
staff-enable = Enable { $user }
staff-disable = Disable { $user }
staff-reset-password = Reset password
staff-new-password-for = New password for { $user }
staff-reset-submit = Reset
staff-add = Add a staff member
staff-initial-password = First password
staff-initial-password-hint = Tell it to the person in private; they can change it under My account.
staff-add-submit = Add account
matrix-title = What each role may do
matrix-explain = Roles give the least each job needs. Categories not granted are never decrypted for the role.
matrix-actions = Actions
matrix-action = Action
matrix-categories = Data categories
matrix-category = Category
matrix-yes = yes
matrix-no = —
access-full = full
access-masked = masked
access-none = —

## Roles
role-owner = Owner
role-manager = Manager
role-staff = Staff
role-clinician = Clinician
role-marketing = Marketing
role-auditor = Auditor
role-device = Device

## Permissions
perm-customer-create = Create customers
perm-customer-read = Read customers
perm-customer-list = List all customers
perm-customer-search = Search customers
perm-customer-update = Change customers and consents
perm-customer-erase = Erase customers
perm-customer-reveal = Reveal masked values
perm-record-read = Read the timeline
perm-record-create = Add timeline entries
perm-catalog-read = Read the catalog
perm-user-manage = Manage staff
perm-token-manage = Manage API tokens
perm-audit-read = Read the audit trail
perm-tenant-manage = Change business settings
perm-device-manage = Manage devices
perm-role-manage = Manage roles
perm-incident-manage = Keep the incident register
perm-customer-export = Export a customer's data
perm-marketing-audience = Export marketing audiences
perm-data-request-manage = Handle data requests
perm-retention-manage = Run retention
perm-customer-import = Import customers
perm-customer-export-all = Export the whole customer list
perm-webhook-manage = Manage webhooks

## Data categories
category-identity = Identity
category-contact = Contact
category-address = Address
category-purchase = Purchases
category-appointment = Appointments
category-health = Health
category-payment-reference = Payment references
category-preference = Preferences
category-note = Notes

## Fields
field-first-name = First name
field-last-name = Last name
field-birth-date = Date of birth
field-email = E-mail
field-phone = Phone
field-street = Street and number
field-postal-code = Postal code
field-city = City
field-country = Country
field-note = Note
field-loyalty-number = Loyalty number
field-preferences = Preferences
field-preferred-stylist = Preferred stylist
field-allergies = Allergies and skin reactions
field-plan = Plan
field-subscription-start = Subscription start
field-delivery-notes = Delivery notes
field-insurance-number = Insurance number
field-amount = Amount
field-currency = Currency
field-items = Items
field-store = Store
field-service = Service
field-staff = Staff member
field-duration-minutes = Duration (minutes)
field-price = Price
field-notes = Notes
field-sphere-right = Sphere, right
field-cylinder-right = Cylinder, right
field-axis-right = Axis, right
field-sphere-left = Sphere, left
field-cylinder-left = Cylinder, left
field-axis-left = Axis, left
field-pupillary-distance = Pupillary distance
field-remarks = Remarks

## Choice values
value-basic = Basic
value-standard = Standard
value-premium = Premium
value-cancelled = Cancelled

## Timeline entry types
rtype-purchase = Purchase
rtype-visit = Visit
rtype-appointment = Appointment
rtype-subscription-change = Subscription change
rtype-eye-exam = Eye exam

## Purposes
purpose-service = Service
purpose-newsletter = Newsletter
purpose-sms-offers = Offers by SMS
purpose-birthday-greetings = Birthday greetings
purpose-accounting = Accounting
purpose-health-records = Health records
purpose-direct-marketing = Direct marketing
purpose-description-service = Serving the customer: sales, bookings, after-sales care.
purpose-description-newsletter = Sending the newsletter to customers who asked for it.
purpose-description-sms-offers = Sending offers by SMS to customers who asked for them.
purpose-description-birthday-greetings = Sending birthday greetings to customers who asked for them.
purpose-description-accounting = Keeping sales records as tax law requires.
purpose-description-health-records = Health data needed for safe treatment, kept under professional secrecy or with explicit consent.

## Lawful bases
basis-consent = consent, art. 6(1)(a) GDPR
basis-contract = contract, art. 6(1)(b) GDPR
basis-legal-obligation = legal obligation, art. 6(1)(c) GDPR
basis-legitimate-interest = legitimate interest, art. 6(1)(f) GDPR
basis-explicit-consent = explicit consent, art. 9(2)(a) GDPR
basis-health-care = health care, art. 9(2)(h) GDPR

## Channels, consent states, methods
channel-email = E-mail
channel-sms = SMS
channel-phone = Phone
channel-post = Post
channel-whatsapp = WhatsApp
consent-state-given = given
consent-state-pending-confirmation = waiting for confirmation
consent-state-withdrawn = withdrawn
consent-state-lapsed = lapsed
method-in-store = in store
method-web-form = web form
method-phone = by phone
method-paper = on paper
method-import = import
method-privacy-portal = privacy portal
method-double-opt-in = e-mail confirmation
method-unsubscribe-link = unsubscribe link
method-email = e-mail

## Data requests
nav-requests = Data requests
requests-title = Data requests
requests-explain = Customers' requests to see, move, correct, erase or restrict their data, or to object. The law gives one month, extendable by two more with a reason.
requests-overdue-count = { $n ->
    [one] { $n } request is past its deadline.
   *[other] { $n } requests are past their deadline.
}
requests-show-open = Show open requests only
requests-show-all = Show closed requests too
requests-none = No requests to show.
requests-kind = Request
requests-customer = Customer
requests-received = Received
requests-due = Due
requests-state = State
requests-identity = Identity check
requests-handle = Handle
requests-outcome = Outcome or reason
requests-save = Save
requests-overdue = overdue
requests-how-to-open = To record a new request, open the customer's page and use "Record a data request".
request-open = Record a data request
request-open-kind = Kind of request
request-open-note = Note (optional)
request-open-submit = Record request
request-kind-access = Access (art. 15)
request-kind-portability = Portability (art. 20)
request-kind-rectification = Rectification (art. 16)
request-kind-erasure = Erasure (art. 17)
request-kind-restriction = Restriction (art. 18)
request-kind-objection = Objection (art. 21)
request-state-open = open
request-state-in-progress = in progress
request-state-completed = completed
request-state-refused = refused
identity-check-pending = pending
identity-check-verified = verified
identity-check-failed = failed
notice-request-opened = The request was recorded; its deadline is shown in the inbox.
notice-request-updated = The request was updated.

## Audit
nav-audit = Audit trail
audit-title = Audit trail
audit-explain = Every access to personal data and every change, newest first. The trail is chained and signed: any alteration is found by the check.
audit-verify = Check the trail for alterations
audit-verify-ok = The trail is intact: { $n } events checked.
audit-checkpoints = { $n } signed checkpoints match.
audit-verify-bad = The trail has been altered or damaged, first at event { $n }. Open an incident.
audit-filter = Filter
audit-customer = Customer id
audit-customer-hint = The access history of one customer.
audit-action = Action
audit-from = From
audit-to = To
audit-apply = Apply
audit-when = When
audit-who = Who
audit-customers = Customers
audit-target = Details
audit-outcome = Outcome
audit-reason = reason: { $name }
audit-older = Older events
profile-access-history = Access history

## Alerts
nav-alerts = Alerts
alerts-title = Alerts
alerts-explain = What the anomaly detection noticed: repeated failed sign-ins, bulk reads, access outside opening hours, exports, failed backups. Look at each and acknowledge it; open an incident when personal data may have been exposed.
alerts-show-open = Show unacknowledged only
alerts-show-all = Show acknowledged too
alerts-none = No alerts.
alerts-when = When
alerts-severity = Severity
alerts-kind = Kind
alerts-message = What happened
alerts-state = State
alerts-ack = Acknowledge
alerts-acked = acknowledged { $date }
alerts-open-incident = Open an incident
notice-alert-acknowledged = The alert was acknowledged.
severity-info = info
severity-warning = warning
severity-high = high
severity-critical = critical
alert-kind-repeated-failures = Repeated failed sign-ins
alert-kind-revoked-credential = Revoked credential used
alert-kind-bulk-reads = Many customers read
alert-kind-off-hours-access = Access outside opening hours
alert-kind-export = Data exported
alert-kind-break-glass = Emergency access
alert-kind-audit-verification-failed = Audit trail check failed
alert-kind-backup-failed = Backup failed
alert-kind-data-request-due-soon = Data request due soon
alert-kind-data-request-overdue = Data request overdue

## Incidents
nav-incidents = Incidents
incidents-title = Incidents (breach register)
incidents-explain = Every personal-data breach is recorded here, whether or not it must be notified. The supervisory authority must be told within 72 hours of becoming aware (art. 33 GDPR).
incidents-none = No incidents recorded.
incidents-name = Title
incidents-status = Status
incidents-risk = Risk
incidents-aware = Aware since
incidents-deadline = Notify by
incidents-clock = 72-hour clock
incidents-open = Record an incident
incidents-nature = What happened
incidents-alert = Alert id (optional)
incidents-alert-hint = The alert that revealed it, if any.
incidents-open-submit = Record incident
incident-left = { $time } left
incident-overdue = past the deadline
incident-no-clock = no notification due
incident-deadline = Notify the authority by { $date }
incident-authority = Supervisory authority
incident-customers = People concerned
incident-required = must be notified
incident-not-required = no notification needed
incident-notified = notified { $date }
incident-affected = Affected
incident-affected-count = { $n ->
    [one] { $n } customer
   *[other] { $n } customers
}
incident-consequences = Likely consequences
incident-measures = Measures taken
incident-assess = Assess and record
incident-mark-notified = The authority has been notified now
incident-save = Save
incident-drafts = Drafted notifications
draft-for-authority = To the supervisory authority
draft-for-customers = To the people concerned
incident-status-open = open
incident-status-notified = notified
incident-status-closed = closed
risk-unassessed = not assessed yet
risk-unlikely = unlikely to result in a risk
risk-risk = a risk
risk-high-risk = a high risk
notice-incident-opened = The incident was recorded; the 72-hour clock runs from the time of awareness.
notice-incident-updated = The incident was updated.

## Administration
nav-admin = Administration
nav-security = Security dashboard
nav-security-about = Every safeguard at a glance, each with what to do about it.
nav-staff-about = Accounts of the people who work here, and what each role may do.
nav-devices = Devices
nav-devices-about = Point-of-sale tablets and booking apps: pairing codes and revoking.
nav-tokens = API tokens
nav-tokens-about = Keys for connected systems, each with a role and an expiry.
nav-catalog = Catalog and retention
nav-catalog-about = What this business collects, why, on what legal basis, and how long it is kept.
nav-import = Import customers
nav-import-about = Bring a customer list from Shopify, Fresha, Square or a spreadsheet, checked first.
nav-marketing = Marketing audience
nav-marketing-about = Download the customers whose consent to a channel counts today — nobody else.
nav-backups = Backups and keys
nav-backups-about = The newest backup, the copies kept elsewhere, and the state of the encryption keys.
nav-export-all = Export the customer list
nav-export-all-about = The whole list as CSV, to move to another system (owner only; audited and alerted).

## Security dashboard
security-title = Security dashboard
security-explain = What keeps your customers' data safe, checked now. Fix the red lines first.
security-bad-count = { $n ->
    [one] { $n } check needs action now.
   *[other] { $n } checks need action now.
}
security-all-good = Nothing needs action now.
security-version = custos version { $version }
check-ok = OK
check-low = Note
check-warn = Attention
check-bad = Action needed
check-tls = Encrypted connections
check-tls-fix = Renew the TLS certificate before it expires, or make sure the proxy in front serves HTTPS only.
check-mfa = Two-step sign-in
check-mfa-fix = Require two-step sign-in in the settings and ask everyone without it to set it up under My account.
check-backup = Newest backup
check-backup-fix = Turn on scheduled backups (backup_every_hours) and check why the last one failed or is old.
check-offsite = Copy kept elsewhere
check-offsite-fix = Set a second destination (a directory on another disk or an S3-compatible store) so a lost machine does not lose the data.
check-restore-drill = Restore drill
check-restore-drill-fix = Check a backup on the Backups page (or custos backup verify) so you know it restores.
check-keys = Encryption key age
check-keys-fix = Rotate the business key (custos keys rotate --tenant) as the policy says, and let any re-wrap finish.
check-retention = Retention
check-retention-fix = Give every kind of data a retention rule (at least one for inactive customers), so nothing is kept forever.
check-inactive-staff = Inactive staff accounts
check-inactive-staff-fix = Disable the accounts of people who no longer work here.
check-tokens = API tokens without expiry
check-tokens-fix = Replace tokens that never expire with ones that do, and revoke what is no longer used.
check-requests = Data requests
check-requests-fix = Answer overdue requests today: the legal deadline has passed.
check-alerts = Open alerts
check-alerts-fix = Look at each alert and acknowledge it; open an incident if personal data may have been exposed.
check-audit = Audit trail
check-audit-fix = Treat this as a possible breach: keep the database as it is, verify the trail and open an incident.
check-version = Known vulnerabilities
check-version-fix = Update custos to a release that fixes them, and keep the advisory database (advisory_db) current.
check-fix-tls-self-signed = Install a certificate from a certificate authority (e.g. Let's Encrypt) as tls_cert and tls_key, or serve custos behind a proxy that has one.
check-state-tls-off = this server speaks plain HTTP behind a proxy
check-state-tls-expired = the certificate expired on { $date }
check-state-tls-expiring = the certificate expires on { $date }
check-state-tls-self-signed = a self-signed certificate valid until { $date }: browsers warn
check-state-tls-valid = certificate valid until { $date }
check-state-mfa-all = { $n } of { $count } active accounts use it
check-state-mfa-pending = { $n } of { $count } active accounts use it; it is required, the others set it up at their next sign-in
check-state-mfa-optional = { $n } of { $count } active accounts use it, and it is not required
check-state-backup-unscheduled = scheduled backups are off
check-state-backup-failed = the last scheduled backup failed
check-state-backup-none = no backup has been taken yet
check-state-backup-stale = taken { $date }, older than the schedule allows
check-state-backup-recent = { $n ->
    [one] taken { $n } hour ago
   *[other] taken { $n } hours ago
}
check-state-offsite-on = backups are copied to a second place
check-state-offsite-off = backups stay on this machine only
check-state-drill-never = no backup has been test-restored
check-state-drill-old = { $n ->
    [one] the last restore drill was { $n } day ago
   *[other] the last restore drill was { $n } days ago
}
check-state-drill-recent = { $n ->
    [one] a backup was test-restored { $n } day ago
   *[other] a backup was test-restored { $n } days ago
}
check-state-keys-master-missing = a key of this business is wrapped under a master key this server does not hold
check-state-keys-rewrap-pending = a key rotation has not finished
check-state-keys-old = { $n ->
    [one] the business key is { $n } day old, older than the rotation policy
   *[other] the business key is { $n } days old, older than the rotation policy
}
check-state-keys-fresh = { $n ->
    [one] the business key is { $n } day old
   *[other] the business key is { $n } days old
}
check-state-retention-none = no retention rule: data is kept forever
check-state-retention-gaps = { $n ->
    [0] no rule erases inactive customers
    [one] { $n } kind of data has no retention rule
   *[other] { $n } kinds of data have no retention rule
}
check-state-retention-all = { $n ->
    [one] { $n } retention rule limits every kind of data
   *[other] { $n } retention rules limit every kind of data
}
check-state-staff-inactive = { $n ->
    [one] { $n } account has not been used for 90 days
   *[other] { $n } accounts have not been used for 90 days
}
check-state-staff-active = every account was used within 90 days
check-state-tokens-forever = { $n ->
    [one] { $n } token never expires
   *[other] { $n } tokens never expire
}
check-state-tokens-expire = every token expires
check-state-requests-overdue = { $n ->
    [one] { $n } request is past its legal deadline
   *[other] { $n } requests are past their legal deadline
}
check-state-requests-on-time = none overdue
check-state-alerts-high = { $n ->
    [one] { $n } alert open, a high one among them
   *[other] { $n } alerts open, high ones among them
}
check-state-alerts-open = { $n ->
    [one] { $n } alert not yet looked at
   *[other] { $n } alerts not yet looked at
}
check-state-alerts-none = none
check-state-audit-intact = { $n ->
    [one] { $n } event, its chain intact
   *[other] { $n } events, their chain intact
}
check-state-audit-broken = the chain does not verify
check-state-version-unchecked = not checked: no advisory database is configured
check-state-version-clean = no known vulnerability in this build
check-state-version-vulnerable = { $n ->
    [one] { $n } known vulnerability affects this build
   *[other] { $n } known vulnerabilities affect this build
}

## Import
import-title = Import customers
import-explain = Upload a customer list exported from Shopify, Fresha or Square, or any CSV with a column mapping. Only declared fields are kept; rows matching existing or erased customers are not imported again.
import-source = Where the list comes from
import-source-csv = Another CSV (needs a mapping)
import-file = The file (CSV, up to 64 MiB)
import-mapping = Column mapping (for another CSV)
import-mapping-text = Mapping: one line per column, "column,target"
import-mapping-hint = A target is a field name, external_id, consent:PURPOSE or consent:PURPOSE:CHANNEL, or drop.
import-check-only = Check only: show what would happen, write nothing
import-update = Update customers that are already here
import-submit = Upload
import-choose-source = Choose where the list comes from.
import-no-file = Choose a file to upload.
import-bad-mapping = The mapping is not valid:
import-needs-mapping = Another CSV needs a column mapping.
import-report-checked = Checked: nothing was written
import-report-done = Imported
import-nothing-written = This was a check. To import, choose the file again, untick "Check only" and upload.
import-rows = Rows read
import-would-create = Would be created
import-created = Created
import-updated = Updated
import-skipped = Already here (skipped)
import-consents = Consents recorded
import-refused = Rows refused
import-duplicates = Rows repeated in the file
import-dropped = Columns not stored
import-line = Line
import-why = Why
import-same-as = Same as line
import-on = Matched on
import-column = Column
import-values = Values not stored

## Devices
devices-title = Devices
devices-explain = A point-of-sale tablet or booking app is paired once with a short code and then works with its own key. Revoke a lost device at once: it can no longer fetch anything.
devices-name = Device name
devices-name-hint = For example "Front desk tablet".
devices-registered = Registered
devices-state = State
devices-revoke = Revoke
devices-add = Pair a new device
devices-add-submit = Create pairing code
device-code-for = Pairing code for { $name }
device-code-until = Enter it in the app before { $date }. It works once.
device-revoke = Revoke { $name }
device-revoked = revoked
device-paired = paired { $date }
device-waiting = waiting for pairing until { $date }
notice-device-revoked = The device was revoked.

## API tokens
tokens-title = API tokens
tokens-explain = Tokens let connected systems use the API with a role no wider than yours. Give each one an expiry.
tokens-name = Name
tokens-created = Created
tokens-revoke = Revoke
tokens-add = Create a token
tokens-days = Valid for (days)
tokens-days-hint = Leave empty only for a token that must never expire.
tokens-add-submit = Create token
token-new = New token "{ $name }"
token-shown-once = Copy it now into the system that will use it: it is shown only once and cannot be recovered.
token-revoke = Revoke { $name }
token-never = never
notice-token-revoked = The token was revoked.

## Catalog and retention
catalog-title = Catalog and retention
catalog-explain = What this business collects and why, as declared (started from the template "{ $name }"). Nothing else can be stored.
catalog-fields = Customer fields
catalog-record-type = Timeline entries: { $name }
catalog-purposes = Purposes
catalog-field = Field
catalog-type = Type
catalog-flags = Rules
catalog-your-access = Your access
catalog-required = required
catalog-searchable = searchable
catalog-special = special category
catalog-consent-texts = Consent texts
catalog-version = Version
catalog-text = Text
catalog-lapses = { $n ->
    [one] consent lapses after { $n } day without contact
   *[other] consent lapses after { $n } days without contact
}
retention-title = Retention
retention-none = No retention rules: data is kept until someone erases it.
retention-uncovered = No rule limits how long these are kept:
retention-rule = Rule
retention-applies = Applies to
retention-keep = Kept for
retention-then = Then
retention-why = Why
retention-inactive = inactive customers
retention-days = { $n ->
    [one] { $n } day
   *[other] { $n } days
}
retention-action-delete = deleted
retention-action-anonymise = anonymised into counts

## Marketing
marketing-title = Marketing audience
marketing-explain = A list for one purpose and channel holds only the customers whose consent counts today, with only the contact the channel needs and an unsubscribe link for each.
marketing-none = No marketing purpose is declared.
marketing-download = Download: { $name }
marketing-audited = Every download is recorded in the audit trail with its size and raises an alert.

## Backups and keys
backups-title = Backups and keys
backups-off = Scheduled backups are off.
backups-none = No backup has been taken yet.
backups-newest = Newest backup: { $date }
backups-failed = The last backup failed:
backups-how = Backups are encrypted for the backup key kept off this server. Check one with "custos backup verify" and practise a restore with "custos backup restore".
backups-local = On this server
backups-copies = Copies elsewhere
backups-file = File
backups-taken = Taken
backups-size = Size
backup-size = { $n } KiB
backup-every = { $n ->
    [one] A backup is taken every hour.
   *[other] A backup is taken every { $n } hours.
}
keys-title = Encryption keys
keys-version = Business key version
keys-since = Since
keys-master = Wrapped by master key
keys-state = State
keys-ok = in use
keys-rewrap = re-wrap pending
keys-how = Rotate with "custos keys rotate --tenant" (business key) or "--master"; the server keeps running.

## Retention page
nav-retention = Retention
nav-retention-about = How long each kind of data is kept and what happens then; check or run a sweep.
retention-explain = Data is kept only as long as its purpose needs. When a rule's time is up, the data is deleted (or turned into counts that name nobody). Customers under a legal hold are left alone.
retention-keep-days = Kept for (days)
retention-keep-of = Days to keep: { $name }
retention-then-of = What happens then: { $name }
retention-why-of = Reason: { $name }
retention-remove = Remove
retention-remove-of = Remove the rule { $name }
retention-add = Add a rule
retention-save = Save rules
retention-sweep = Apply the rules
retention-sweep-explain = Sweeps also run by themselves every day. Check first to see what is due.
retention-check = Check what is due
retention-run = Run now
retention-checked = Checked: nothing was deleted
retention-ran = Sweep done
retention-history = Past sweeps
retention-was-check = check only
retention-incomplete = continued in the next sweep
retention-due = Due
retention-deleted = Deleted
retention-anonymised = Anonymised
retention-held = Kept (legal hold)
notice-retention-saved = The retention rules were saved.

## Protection on the profile
protection-title = Holds, restriction and objection
hold-title = Legal hold
hold-explain = A legal hold keeps this customer's data from retention and erasure while a claim, an audit or an investigation needs it.
hold-reason = Why the data must be kept
hold-place = Place a legal hold
hold-since = On hold since { $date }
hold-lift = Lift the legal hold
restriction-title = Restriction of processing (art. 18)
restriction-explain = While the customer contests the data or its use, only storing, reading and exporting are allowed.
restriction-reason = Why processing is restricted
restriction-place = Restrict processing
restriction-since = Restricted since { $date }
restriction-lift = Lift the restriction
objection-title = Objection to direct marketing (art. 21)
objection-explain = Records that the customer objects: every marketing consent stops at once, on every channel.
objection-record = Record the objection
notice-hold-placed = The legal hold was placed.
notice-hold-lifted = The legal hold was lifted.
notice-restricted = Processing is restricted.
notice-restriction-lifted = The restriction was lifted.
notice-objection-recorded = The objection was recorded; marketing to this customer has stopped.
restriction-ground-accuracy-contested = the customer contests the accuracy of the data (a)
restriction-ground-unlawful-processing = processing is unlawful and the customer wants restriction instead of erasure (b)
restriction-ground-legal-claims = the customer needs the data for legal claims (c)
restriction-ground-objection-pending = the customer has objected and the decision is pending (d)
backup-run-now = Take a backup now
backup-taken = The backup { $name } was taken and copied where configured.
backup-verify = Check
backup-verify-one = Check { $name }
backup-verified = { $name } was decrypted and checked in a scratch copy.
backup-not-verified = { $name } could not be checked:

## Settings
nav-settings = Business settings
nav-settings-about = Two-step sign-in for everyone, time zone and opening hours, where alerts go, the privacy portal.
nav-webhooks = Webhooks
nav-webhooks-about = Tell connected systems when customers are created, changed, erased or change consent (signed).
settings-title = Business settings
settings-signin = Signing in
settings-require-mfa = Every account must use two-step sign-in
settings-require-mfa-hint = Those without it are asked to set it up at their next sign-in.
settings-hours = Time zone and opening hours
settings-time-zone = Time zone
settings-time-zone-hint = An IANA name, e.g. Europe/Warsaw or Europe/Berlin.
settings-hours-hint = As 09:00-18:00; leave a day empty when closed. Access outside these hours raises an alert.
settings-alerts = Where alerts go
settings-alert-email = E-mail address
settings-alert-webhook = Webhook address (HTTPS)
settings-webhook-secret = The alert webhook's signing secret
settings-portal = Privacy portal
settings-self-erasure = Customers may erase themselves at once in the privacy portal
settings-self-erasure-hint = Otherwise their request comes to the data-request inbox.
settings-save = Save settings
notice-settings-saved = The settings were saved.
day-mon = Monday
day-tue = Tuesday
day-wed = Wednesday
day-thu = Thursday
day-fri = Friday
day-sat = Saturday
day-sun = Sunday
webhooks-title = Webhooks
webhooks-explain = A connected system (a booking app, a shop, a newsletter tool) is told at its HTTPS address when something happens, signed with a secret only it knows. The message names the customer's id, never their data.
webhooks-url = Address
webhooks-events = Events
webhooks-description = Description
webhooks-delete = Delete
webhooks-add = Add a webhook
webhooks-add-submit = Add webhook
webhook-secret-for = Signing secret for { $name }
webhook-delete = Delete { $name }
webhook-deliveries = Deliveries
webhook-no-deliveries = Nothing was sent yet.
webhook-when = When
webhook-attempts = Attempts
webhook-status = Status
event-customer-created = customer created
event-customer-updated = customer changed
event-customer-erased = customer erased
event-consent-changed = consent changed
event-data-request-opened = data request received
delivery-pending = waiting
delivery-delivered = delivered
delivery-failed = failed
notice-webhook-deleted = The webhook was deleted.

## Staff extras
staff-compromised = { $user } is compromised
notice-user-compromised = Every session and token of the account was ended; the person must choose a new password.
notice-role-created = The role was created.
notice-role-deleted = The role was deleted.
notice-grant-given = Emergency access was given; it ends by itself and every use is marked in the audit trail.
notice-grant-ended = Emergency access was ended.
grant-title = Emergency access (break-glass)
grant-explain = Gives one person a wider role for a short time, with a reason. It raises an alert, ends by itself, and every access under it is marked in the audit trail.
grant-until = Until
grant-reason = Reason
grant-minutes = For how many minutes
grant-give = Give emergency access
grant-end = End
grant-end-for = End for { $user }
role-define = Define a role
role-define-explain = A custom role grants chosen actions and, per data category, no access, masked values or full values.
role-name = Role name
role-name-hint = Lower-case letters, digits and _, e.g. reception.
role-create = Create role
role-delete = Delete the role { $role }
access-none-word = no access

## Requests and incidents, more
requests-extend = Extend the deadline by
requests-months = { $n ->
    [one] { $n } month
   *[other] { $n } months
}
requests-extension-reason = Why more time is needed (tell the customer)
incident-mark-customers = The people concerned have been told now
incident-close = Close the incident (it stays in the register)
incident-closed = Closed
incident-notes = Notes
incident-no-notes = No notes yet.
incident-note-kind = Kind of note
incident-note-text = Note
incident-add-note = Add note
note-kind-follow-up = follow-up
note-kind-delay-reason = reason for a late notification
marketing-report = Consents today
import-one-title = A customer moving here with their data
import-one-explain = Upload the export (JSON) a customer brought from this or another custos server. Only what this business declares is kept; an erased customer is never brought back.
import-one-file = The export (JSON)
import-one-submit = Import the customer
import-one-done = The customer was imported
import-one-records = { $n } timeline entries
import-one-consents = { $n } consent events
import-one-dropped = Not kept (not declared here): { $name }
import-not-an-export = This file is not a custos customer export (JSON).
customers-browse = Browse all customers
customers-more = More customers
consent-how = How the customer said it: { $name }
delivery-what = What
delivery-channel-email = e-mail
delivery-channel-webhook = webhook
alert-deliveries = Where it was sent
incident-affected-list = The customers concerned
incident-accesses = Accesses
retention-aggregates = What anonymisation kept
retention-aggregates-explain = Counts per month that name nobody, kept when timeline entries were anonymised.
retention-group = Group
retention-count = Count
retention-sums = Sums
mfa-turn-off = Turn off two-step sign-in
mfa-required-stays = This business requires it: it stays on.
notice-mfa-off = Two-step sign-in is off.

## Compliance
nav-compliance = Compliance documents
nav-compliance-about = Records of processing, the privacy notice, the data-flow map, recipients and the monthly self-audit.
compliance-title = Compliance documents
compliance-explain = custos writes these documents from what it actually does: the catalog, the recipients and contact details below, and the server's configuration. They change when these change.
compliance-documents = Documents
compliance-ropa = Records of processing activities (art. 30 GDPR)
compliance-ropa-hint = a printable page; print it to PDF from the browser
compliance-notice = Privacy notice, version { $version }
compliance-notice-versions = Earlier versions of the privacy notice
compliance-notice-version = Version { $version }
compliance-checks = Security checks
compliance-map = Where personal data enters and leaves
compliance-map-hint = Drawn from the live configuration: devices, accounts, webhooks, backups and the recipients below.
compliance-map-alt = Data-flow map: the sources of personal data on the left, custos and the kinds of data it holds in the middle, where data goes on the right.
compliance-recipients = Recipients
compliance-recipients-hint = Everyone outside the business who receives personal data: mail provider, payment processor, accountant, tax office. They appear in the privacy notice and the records of processing.
compliance-recipients-none = No recipient is declared: the documents say no one outside the business receives personal data.
compliance-recipient-name = Name
compliance-recipient-kind = Kind
compliance-recipient-purposes = Purposes
compliance-recipient-categories = Kinds of data
compliance-recipient-country = Country
compliance-recipient-country-hint = Two letters, e.g. DE, PL or US. Outside the EU/EEA a safeguard is required.
compliance-recipient-safeguard = Safeguard of a transfer outside the EU/EEA
compliance-safeguard-none = None (inside the EU/EEA)
compliance-recipient-add = Add a recipient
compliance-recipient-add-submit = Add recipient
compliance-recipient-remove-column = Remove
compliance-recipient-remove = Remove { $name }
compliance-controller = Contact details of the business
compliance-controller-hint = Shown to customers in the privacy notice as the controller's contact.
compliance-controller-legal-name = Registered name
compliance-controller-address = Postal address
compliance-controller-email = E-mail for privacy questions
compliance-controller-phone = Phone
compliance-controller-dpo = Data-protection officer (if any)
compliance-controller-representative = Representative in the EU (if the business is outside it)
compliance-controller-save = Save contact details
compliance-self-audits = Self-audit reports
compliance-self-audits-hint = The security checks, saved every month (and whenever you run them here), so you can show how things stood.
compliance-self-audits-none = No report has been saved yet.
compliance-self-audit-run = Run a self-audit now
compliance-count-bad = { $n ->
    [one] { $n } needs action
   *[other] { $n } need action
}
compliance-count-warn = { $n } to look at
notice-compliance-recipient-added = The recipient was added; the privacy notice has a new version.
notice-compliance-recipient-removed = The recipient was removed; the privacy notice has a new version.
notice-compliance-controller-saved = The contact details were saved.
notice-compliance-self-audit-saved = The self-audit report was saved.
recipient-kind-processor = Processor (acts on our behalf)
recipient-kind-controller = Independent controller
recipient-kind-public-authority = Public authority
safeguard-adequacy-decision = Adequacy decision
safeguard-standard-contractual-clauses = Standard contractual clauses
safeguard-binding-corporate-rules = Binding corporate rules
safeguard-explicit-consent = Explicit consent
self-audit-trigger-scheduled = monthly
self-audit-trigger-on-demand = run by hand
