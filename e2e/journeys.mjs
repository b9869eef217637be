// The main journeys of the custos staff UI in real headless Chromium (Debian's
// /usr/bin/chromium, driven by playwright-core), with axe-core checking accessibility.
//
// Run by the Rust test `ui::journeys_in_chromium` (crates/custos/tests/api/ui.rs), which starts
// a fresh server from the optician template and passes:
//   CUSTOS_URL             https://127.0.0.1:PORT
//   CUSTOS_OWNER_PASSWORD  the owner's password (the owner has not signed in yet)
//   CUSTOS_SCREENSHOTS     where the screenshots go (phone and desktop widths)
// Exit status 0 when every step passed; the first failure is printed with its step.

import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const BASE = mustEnv("CUSTOS_URL");
const OWNER_PW = mustEnv("CUSTOS_OWNER_PASSWORD");
const SHOTS = process.env.CUSTOS_SCREENSHOTS || join(here, "..", "target", "ui-screenshots");
const CHROMIUM = process.env.CUSTOS_CHROMIUM || "/usr/bin/chromium";
const STAFF_PW = "a long enough passphrase for tests";
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const LOCALES = join(here, "..", "crates", "custos-server", "locales");

mkdirSync(SHOTS, { recursive: true });

function mustEnv(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return v;
}

let step = "start";
function check(cond, what) {
  if (!cond) throw new Error(`${step}: ${what}`);
}

// --- TOTP (RFC 6238, SHA-1, 6 digits, 30 s), as an authenticator app computes it ----------
function base32(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of text.replace(/[\s=]/g, "").toUpperCase()) {
    const v = alphabet.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    bits += v.toString(2).padStart(5, "0");
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}
function totp(secret, unix) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(unix / 30)));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0xf;
  const n = (mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, "0");
}
const now = () => Math.floor(Date.now() / 1000);

// --- message catalogs, to find English left on German and Polish pages --------------------
function catalog(lang) {
  const out = new Map();
  let key = null;
  for (const line of readFileSync(join(LOCALES, `${lang}.ftl`), "utf8").split("\n")) {
    const m = line.match(/^([a-z][a-z0-9-]*) = (.*)$/);
    if (m) {
      key = m[1];
      out.set(key, m[2]);
    } else if (key && /^\s+\S/.test(line)) {
      out.set(key, out.get(key) + "\n" + line.trim());
    } else {
      key = null;
    }
  }
  return out;
}
const EN = catalog("en");
/** English sentences that a page in `lang` must not show (where the translation differs). */
function englishOnly(lang) {
  const other = catalog(lang);
  const out = [];
  for (const [k, v] of EN) {
    if (v.includes("{") || other.get(k) === v) continue;
    // Whole phrases only: a single short word may be the same in both languages.
    if (v.length >= 12 && v.includes(" ")) out.push(v);
  }
  return out;
}

// --- the browser ---------------------------------------------------------------------------
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const problems = [];
const cspSeen = new Map();
const openPages = [];

async function newUser(locale = "en-GB") {
  const ctx = await browser.newContext({
    ignoreHTTPSErrors: true,
    locale,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const page = await ctx.newPage();
  openPages.push(page);
  page.on("dialog", async (d) => {
    problems.push(`${step}: a script opened a dialog (${d.message()})`);
    await d.dismiss();
  });
  page.on("console", (m) => {
    // Error statuses are the steps' business (a refused sign-in is a 401); anything else logged
    // as an error (a CSP violation, a script error) is a problem.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`${step}: console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${step}: page error: ${e.message}`));
  page.on("response", (r) => {
    if (r.request().resourceType() === "document") {
      cspSeen.set(new URL(r.url()).pathname, r.headers()["content-security-policy"] || "");
    }
  });
  return { ctx, page };
}

async function go(page, path) {
  const r = await page.goto(BASE + path);
  check(r && r.status() < 400, `GET ${path} answered ${r && r.status()}`);
  return r;
}

async function shot(page, name) {
  await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(size);
}

const axeRuns = { pages: 0, lesser: new Set() };
async function axe(page, name) {
  axeRuns.pages += 1;
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 3) }));
  });
  for (const v of result) {
    if (v.impact === "serious" || v.impact === "critical") {
      problems.push(`axe on ${name}: ${v.impact} ${v.id} at ${v.nodes.join(", ")}`);
    } else {
      axeRuns.lesser.add(`${v.impact} ${v.id}`);
    }
  }
  return result;
}

async function signIn(page, username, password, code) {
  await go(page, "/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  if (code) await page.getByLabel("Code from your authenticator app").fill(code);
  await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Sign in" }).click()]);
}

/** On the MFA page: set it up, answer the first code, return the secret and recovery codes. */
async function enrolMfa(page, name) {
  check(new URL(page.url()).pathname === "/account/mfa", `sent to MFA set-up, not ${page.url()}`);
  await page.getByRole("button", { name: "Set up two-step sign-in" }).click();
  const secret = (await page.locator("#mfa-secret").textContent()).trim();
  check(await page.locator("img.qr").isVisible(), "the QR code is shown");
  if (name) {
    await axe(page, "MFA set-up");
    await shot(page, name);
  }
  await page.getByLabel("6-digit code").fill(totp(secret, now()));
  await page.getByRole("button", { name: "Turn on two-step sign-in" }).click();
  const codes = await page.locator("#recovery-codes li").allTextContents();
  check(codes.length === 10, `ten recovery codes are shown (${codes.length})`);
  return { secret, codes };
}

async function signOut(page) {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/login/);
}

async function main() {
  // 1. The owner signs in for the first time: the optician template requires MFA, so the
  //    owner sets it up (QR code, recovery codes), signs out and in again with a code.
  step = "owner signs in with MFA";
  const owner = await newUser();
  let p = owner.page;
  await go(p, "/login");
  await axe(p, "sign-in");
  await shot(p, "sign-in");
  await signIn(p, "owner", OWNER_PW);
  const ownerMfa = await enrolMfa(p, "mfa-enrolment");
  await shot(p, "mfa-recovery-codes");
  await p.getByRole("link", { name: "Continue" }).click();
  await signOut(p);
  await signIn(p, "owner", OWNER_PW);
  check((await p.locator("#login-error").textContent()).includes("two-step"), "without a code the owner is asked for one");
  // The next time step: the one used to confirm may not be replayed.
  await signIn(p, "owner", OWNER_PW, totp(ownerMfa.secret, now() + 30));
  check(new URL(p.url()).pathname === "/customers", `the owner lands on the search (${p.url()})`);

  // 2. The owner adds staff: a front-desk employee, a clinician, a manager.
  step = "owner creates staff";
  await go(p, "/staff");
  for (const [user, role] of [["sam", "Staff"], ["clara", "Clinician"], ["max", "Manager"]]) {
    await p.locator("#new-username").fill(user);
    await p.locator("#new-password").fill(STAFF_PW);
    await p.locator("#new-role").selectOption({ label: role });
    await p.getByRole("button", { name: "Add account" }).click();
    check((await p.locator(".notice").textContent()).includes("account was created"), `${user} created`);
  }
  check((await p.locator("table").first().textContent()).includes("clara"), "the list shows the new accounts");
  await axe(p, "staff");
  await shot(p, "staff-and-roles");

  // 3. The staff member signs in (sets up MFA too), creates a customer with consents after
  //    the privacy information, finds her by typing part of her name, adds a visit.
  step = "staff creates and finds a customer";
  const sam = await newUser();
  p = sam.page;
  await signIn(p, "sam", STAFF_PW);
  await enrolMfa(p);
  await p.getByRole("link", { name: "Continue" }).click();
  await go(p, "/customers/new");
  const noticeBeforeForm = await p.evaluate(() => {
    const n = document.querySelector("#privacy-title");
    const f = document.querySelector("form[action='/customers/new']");
    return !!n && !!f && (n.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  });
  check(noticeBeforeForm, "the privacy information comes before the form");
  check((await p.locator("input[name=consent]:checked").count()) === 0, "no consent is ticked by default");
  await axe(p, "new customer");
  await shot(p, "new-customer");
  await p.locator("[name='f.first_name']").fill("Zofia");
  await p.locator("[name='f.last_name']").fill("Wójcik");
  await p.locator("[name='f.email']").fill("zofia.wojcik@example.org");
  await p.locator("[name='f.phone']").fill("+48 601 234 567");
  await p.locator("input[name=consent][value='newsletter:email']").check();
  await p.locator("input[name=consent][value='sms_offers:sms']").check();
  await p.getByRole("button", { name: "Create customer" }).click();
  check((await p.locator(".notice").textContent()).includes("customer was created"), "created");
  const profileUrl = new URL(p.url()).pathname;
  check(/^\/customers\/[0-9a-f-]{36}$/.test(profileUrl), `on the profile (${p.url()})`);
  const consentsText = await p.locator("#consents table").first().textContent();
  check(consentsText.includes("waiting for confirmation"), "e-mail consent waits for its double opt-in");
  check(/Offers by SMS\s*SMS\s*given/.test(consentsText.replace(/\s+/g, " ")), "SMS consent is given");
  const number = (await p.locator("h1 .muted").textContent()).trim();

  await go(p, "/customers");
  await p.getByLabel("Name, e-mail, phone or customer number").pressSequentially("Zof", { delay: 60 });
  await p.locator("#results .hits a", { hasText: "Zofia Wójcik" }).waitFor({ timeout: 5000 });
  // What was typed stays out of the address bar and the browser's history.
  check(!p.url().includes("Zof"), "the search term is not put in the address");
  await axe(p, "search results");
  await shot(p, "search");
  await p.locator("#results .hits a", { hasText: "Zofia Wójcik" }).click();
  await p.waitForURL((u) => u.pathname === profileUrl);
  await p.locator("summary", { hasText: "Add: Appointment" }).click();
  await p.locator("details[open] [name='f.service']").fill("Frame fitting");
  await p.locator("details[open] [name='f.notes']").fill("Frames adjusted");
  await p.locator("details[open] button", { hasText: "Save entry" }).click();
  check((await p.locator("#timeline").textContent()).includes("Frames adjusted"), "the appointment is on the timeline");
  check(!(await p.locator("#timeline").textContent()).includes("Eye exam"), "staff does not see eye exams");
  check((await p.locator("summary", { hasText: "Add: Eye exam" }).count()) === 0, "staff cannot add an eye exam");
  await axe(p, "profile");
  await shot(p, "customer-profile");

  // Give and withdraw in two clicks.
  await p.getByRole("button", { name: "Withdraw: Offers by SMS (SMS)" }).click();
  check((await p.locator(".notice").textContent()).includes("withdrawal was recorded"), "withdrawn");
  const birthdayRow = p.locator("#consents tbody tr", { hasText: "Birthday greetings" }).filter({ hasText: "Post" });
  await birthdayRow.locator("select[name=method]").selectOption("phone");
  await birthdayRow.getByRole("button").click();
  check((await p.locator(".notice").textContent()).includes("consent was recorded"), "a consent given by phone");
  await p.locator("summary", { hasText: "Full history with evidence" }).click();
  const history = await p.locator("#consents details table").textContent();
  check(history.includes("in store") && history.includes("by phone") && history.includes("withdrawn"), "the history shows method and state");

  // A name that is markup is shown as text everywhere.
  step = "a name that is markup stays text";
  const evil = "<img src=x onerror=alert(1)>";
  await go(p, "/customers/new");
  await p.locator("[name='f.first_name']").fill(evil);
  await p.locator("[name='f.last_name']").fill("Tester");
  await p.getByRole("button", { name: "Create customer" }).click();
  check((await p.locator("h1").textContent()).includes(evil), "the profile heading shows the text");
  check((await p.locator("img[src='x']").count()) === 0, "no image element was made");
  await go(p, "/customers?q=Tester");
  check((await p.locator("#results").textContent()).includes(evil), "the search shows the text");
  check((await p.locator("img[src='x']").count()) === 0, "no image element in the results");
  const evilUrl = await p.locator("#results .hits a").first().getAttribute("href");

  // 4. The clinician sees and adds eye exams; staff does not see them.
  step = "a clinician sees an eye exam that staff cannot";
  const clara = await newUser();
  p = clara.page;
  await signIn(p, "clara", STAFF_PW);
  await enrolMfa(p);
  await go(p, profileUrl);
  await p.locator("summary", { hasText: "Add: Eye exam" }).click();
  await p.locator("details[open] [name='f.sphere_right']").fill("-1.25");
  await p.locator("details[open] [name='f.sphere_left']").fill("-1.5");
  await p.locator("details[open] [name='f.remarks']").fill("Myopia, stable");
  await p.locator("details[open] button", { hasText: "Save entry" }).click();
  const claraTimeline = await p.locator("#timeline").textContent();
  check(claraTimeline.includes("Eye exam") && claraTimeline.includes("-1.25"), "the clinician sees the eye exam");
  await go(sam.page, profileUrl);
  const samTimeline = await sam.page.locator("#timeline").textContent();
  check(!samTimeline.includes("Eye exam") && !samTimeline.includes("-1.25") && !samTimeline.includes("Myopia"), "staff does not");

  // 5. Editing with a conflict: two people edit the same customer; the second is shown both.
  step = "editing shows a conflict instead of overwriting";
  const maxUser = await newUser();
  p = maxUser.page;
  await signIn(p, "max", STAFF_PW);
  await enrolMfa(p);
  await go(p, profileUrl + "/edit");
  await go(sam.page, profileUrl + "/edit");
  await sam.page.locator("[name='f.city']").fill("Kraków");
  await sam.page.getByRole("button", { name: "Save changes" }).click();
  check((await sam.page.locator(".notice").textContent()).includes("saved"), "the first edit is saved");
  await p.locator("[name='f.city']").fill("Gdańsk");
  await p.getByRole("button", { name: "Save changes" }).click();
  const conflict = await p.locator(".conflict").textContent();
  check(conflict.includes("Kraków") && conflict.includes("Gdańsk"), "both values are shown");
  await axe(p, "edit conflict");
  await shot(p, "edit-conflict");
  await p.getByRole("button", { name: "Save changes" }).click();
  check((await p.locator("#field-city").textContent()).includes("Gdańsk"), "the second save, made knowingly, applies");

  // 6. The manager exports and erases the customer.
  step = "a manager exports and erases";
  const [download] = await Promise.all([p.waitForEvent("download"), p.getByRole("link", { name: "Export (JSON)" }).click()]);
  const exported = readFileSync(await download.path(), "utf8");
  check(exported.includes("Zofia") && exported.includes("Frames adjusted"), "the export holds the data");
  await p.getByRole("link", { name: "Erase…" }).click();
  check((await p.locator(".danger-box").textContent()).includes("cannot be undone"), "the confirmation says what happens");
  await axe(p, "erase");
  await shot(p, "erase-confirmation");
  await p.getByLabel(/Type the customer number/).fill("C-999999");
  await p.getByRole("button", { name: "Erase for good" }).click();
  check((await p.locator(".error").textContent()).includes("does not match"), "a wrong number erases nothing");
  await p.getByLabel(/Type the customer number/).fill(number);
  await p.getByRole("button", { name: "Erase for good" }).click();
  check((await p.locator(".notice").textContent()).includes("was erased"), "erased");
  await go(p, "/customers?q=Zofia");
  check((await p.locator("#hit-count").textContent()).includes("No customer"), "she is not found any more");
  const gone = await p.goto(BASE + profileUrl);
  check(gone.status() === 404, `her profile is gone (${gone.status()})`);

  // 7. Forms without the session's CSRF token are refused.
  step = "CSRF";
  const forged = await p.request.post(BASE + "/customers/new", {
    form: { "f.first_name": "Forged", csrf: "not-the-token" },
  });
  check(forged.status() === 403, `a forged form is refused (${forged.status()})`);
  const bare = await p.request.post(BASE + "/staff", { form: { username: "eve", password: STAFF_PW, role: "owner" } });
  check(bare.status() === 403, `a form without a token is refused (${bare.status()})`);
  const loginForged = await p.request.post(BASE + "/login", { form: { username: "owner", password: OWNER_PW } });
  check(loginForged.status() === 403, `a sign-in without its token is refused (${loginForged.status()})`);

  // 8. The privacy officer's pages: a data request with its deadline, the audit trail of one
  //    customer and its verification, the export alert, an incident with its 72-hour clock.
  step = "data requests, audit, alerts, incidents";
  p = owner.page;
  await go(p, evilUrl);
  await p.locator("summary", { hasText: "Record a data request" }).click();
  await p.locator("#req-kind").selectOption("access");
  await p.getByRole("button", { name: "Record request" }).click();
  check(new URL(p.url()).pathname === "/requests", "the inbox opens");
  const inbox = await p.locator("table").textContent();
  check(inbox.includes("Access (art. 15)"), "the request is listed");
  const due = new Date(Date.now() + 30 * 86400e3);
  check(inbox.includes(String(due.getUTCFullYear())), "with its due date");
  await axe(p, "data requests");
  await shot(p, "data-requests");
  await p.locator("select[name=extend_months]").first().selectOption("1");
  await p.locator("input[name=extension_reason]").first().fill("Records are archived off site");
  await p.getByRole("button", { name: "Save" }).first().click();
  check((await p.locator(".notice").textContent()).includes("updated"), "the deadline is extended");
  await p.locator("select[name=state]").first().selectOption("in_progress");
  await p.getByRole("button", { name: "Save" }).first().click();
  check((await p.locator("table").textContent()).includes("in progress"), "the request moves on");

  await go(p, evilUrl);
  await p.getByRole("link", { name: "Access history" }).click();
  const trail = await p.locator("table").textContent();
  check(trail.includes("customer.read") && trail.includes("customer.create") && trail.includes("sam"), "the customer's access history names who did what");
  await go(p, "/audit");
  await p.locator("summary", { hasText: "Filter" }).click();
  await p.locator("#f-actor").selectOption({ label: "clara" });
  await p.getByRole("button", { name: "Apply" }).click();
  const claraRows = await p.locator("tbody tr").allTextContents();
  check(claraRows.length > 0 && claraRows.every((r) => r.includes("clara")), "the trail filtered by one person");
  await p.getByRole("button", { name: "Check the trail for alterations" }).click();
  check((await p.locator("#verify-result").textContent()).includes("intact"), "the chain verifies");
  await axe(p, "audit");
  await shot(p, "audit-trail");

  // The anomaly scan runs in the background (every second in the tests): wait for it.
  let alertsText = "";
  for (let i = 0; i < 20 && !alertsText.includes("Data exported"); i++) {
    await go(p, "/alerts");
    alertsText = await p.locator("main").textContent();
    if (!alertsText.includes("Data exported")) await p.waitForTimeout(500);
  }
  check(alertsText.includes("Data exported"), "the manager's export raised an alert");
  await axe(p, "alerts");
  await shot(p, "alerts");
  await p.getByRole("link", { name: "Open an incident" }).first().click();
  check((await p.locator("#i-alert").inputValue()).length === 36, "the alert is carried into the incident form");
  await p.locator("#i-title").fill("Export to an unknown laptop");
  await p.locator("#i-nature").fill("A customer list was exported and the laptop is missing.");
  await p.getByRole("button", { name: "Record incident" }).click();
  const clock = await p.locator("#clock").textContent();
  check(/\d+ h \d\d min left/.test(clock), `the 72-hour clock runs (${clock})`);
  const drafts = await p.locator(".draft").allTextContents();
  check(drafts.length === 2 && drafts.every((d) => d.length > 100), "both notifications are drafted");
  await axe(p, "incident");
  await shot(p, "incident");
  const incidentUrl = new URL(p.url()).pathname;
  await p.locator("#note-text").fill("Laptop reported stolen to the police.");
  await p.getByRole("button", { name: "Add note" }).click();
  check((await p.locator("#notes").textContent()).includes("reported stolen"), "the note is kept");
  await go(p, "/alerts");
  await p.getByRole("link", { name: "Where it was sent" }).first().click();
  check((await p.locator("h1").textContent()).includes("Where it was sent"), "an alert's deliveries");
  await axe(p, "alert deliveries");
  const alertUrl = new URL(p.url()).pathname;
  await go(p, "/alerts");
  await p.getByRole("button", { name: "Acknowledge" }).first().click();
  check((await p.locator(".notice").textContent()).includes("acknowledged"), "acknowledged");

  // 9. Administration: the hub, the security dashboard, a device pairing code, an API token
  //    shown once, the catalog with retention, the marketing audience, backups, an import
  //    checked first and then made.
  step = "administration";
  await go(p, "/admin");
  for (const name of ["Security dashboard", "Devices", "API tokens", "Catalog and retention", "Import customers", "Marketing audience", "Backups and keys", "Compliance documents"]) {
    check((await p.getByRole("link", { name }).count()) >= 1, `the hub lists ${name}`);
  }
  await axe(p, "administration");
  await go(p, "/security");
  const dash = await p.locator("main").textContent();
  check(dash.includes("Two-step sign-in") && dash.includes("4 of 4 active accounts use it"), "MFA adoption is counted");
  check(dash.includes("Restore drill") && dash.includes("Known vulnerabilities") && dash.includes("Audit trail"), "the doctor's checks are listed");
  check(dash.includes("certificate valid until"), "the certificate's expiry is shown");
  check(dash.includes("Open alerts") && dash.includes("Retention"), "every check is listed");
  await axe(p, "security dashboard");
  await shot(p, "security-dashboard");

  await go(p, "/devices");
  await p.locator("#device-name").fill("Front desk tablet");
  await p.getByRole("button", { name: "Create pairing code" }).click();
  const code = (await p.locator("#pairing-code").textContent()).trim();
  check(code.length >= 6, `a pairing code is shown (${code})`);
  check((await p.locator("table").textContent()).includes("waiting for pairing"), "the device waits for pairing");
  await axe(p, "devices");
  await shot(p, "devices");
  await p.getByRole("button", { name: "Revoke Front desk tablet" }).click();
  check((await p.locator("table").textContent()).includes("revoked"), "revoked");

  await go(p, "/tokens");
  await p.locator("#token-name").fill("Booking site");
  await p.locator("#token-role").selectOption("staff");
  await p.getByRole("button", { name: "Create token" }).click();
  const token = (await p.locator("#new-token").textContent()).trim();
  check(token.length > 20, "the token is shown once");
  const who = await p.request.get(BASE + "/v1/auth/whoami", { headers: { authorization: `Bearer ${token}` } });
  check(who.status() === 200 && (await who.json()).role === "staff", "the token works with its role");
  await go(p, "/tokens");
  check(!(await p.locator("main").textContent()).includes(token), "and is never shown again");
  await axe(p, "tokens");

  await go(p, "/catalog");
  const cat = await p.locator("main").textContent();
  check(cat.includes("Eye exam") && cat.includes("health care, art. 9(2)(h) GDPR") && cat.includes("Retention"), "the catalog shows types, bases and retention");
  await axe(p, "catalog");
  await shot(p, "catalog");
  await go(p, "/marketing");
  const [audience] = await Promise.all([p.waitForEvent("download"), p.getByRole("link", { name: /Newsletter — E-mail/ }).click()]);
  const csv = readFileSync(await audience.path(), "utf8");
  check(csv.split("\n")[0].includes("email"), "the audience has its header");
  check(!csv.includes("Tester"), "a customer without consent is not in it");
  await axe(p, "marketing");
  check((await p.locator("main").textContent()).includes("Consents today"), "the consent counts are shown");
  await go(p, "/backups");
  await p.getByRole("button", { name: "Take a backup now" }).click();
  check((await p.locator("#backup-outcome").textContent()).includes("was taken"), "a backup is taken on demand");
  await p.getByRole("button", { name: /^Check custos-/ }).first().click();
  check((await p.locator("#backup-outcome").textContent()).includes("decrypted and checked"), "and passes the restore drill");
  await axe(p, "backups");
  await shot(p, "backups");

  // The compliance documents: a recipient outside the EU needs its safeguard; the contact
  // details; the data-flow map drawn from the live configuration; the records of processing and
  // the privacy notice as pages; a self-audit report saved and listed.
  await go(p, "/compliance");
  check((await p.locator("main").textContent()).includes("Privacy notice, version 1"), "the notice starts at version 1");
  await p.locator("#recipient-name").fill("Cloud Mailer Inc.");
  await p.locator("#recipient-kind").selectOption("processor");
  await p.getByLabel("Newsletter").check();
  await p.getByRole("group", { name: "Kinds of data" }).getByLabel("Contact").check();
  await p.locator("#recipient-country").fill("US");
  await p.getByRole("button", { name: "Add recipient" }).click();
  check((await p.locator("[role=alert]").textContent()).includes("outside the EU/EEA"), "a transfer without a safeguard is refused on the page");
  await p.locator("#recipient-name").fill("Cloud Mailer Inc.");
  await p.getByLabel("Newsletter").check();
  await p.getByRole("group", { name: "Kinds of data" }).getByLabel("Contact").check();
  await p.locator("#recipient-country").fill("US");
  await p.locator("#recipient-safeguard").selectOption("standard_contractual_clauses");
  await p.getByRole("button", { name: "Add recipient" }).click();
  check((await p.locator(".notice").textContent()).includes("new version"), "the recipient is added");
  check((await p.locator("#recipients table").textContent()).includes("Standard contractual clauses"), "with its safeguard");
  await p.locator("#controller-email").fill("privacy@optik.example");
  await p.locator("#controller-address").fill("Hauptstraße 1, 10115 Berlin");
  await p.getByRole("button", { name: "Save contact details" }).click();
  check((await p.locator(".notice").textContent()).includes("contact details were saved"), "the contact details are saved");
  check((await p.locator("main").textContent()).includes("Privacy notice, version 3"), "each change made a new notice version");
  const mapWidth = await p.locator("#data-map").evaluate((img) => img.complete ? img.naturalWidth : 0);
  check(mapWidth > 0, "the data-flow map is drawn");
  const map = await p.request.get(BASE + "/v1/compliance/data-map.svg");
  const svg = await map.text();
  check(svg.includes("Cloud Mailer Inc.") && svg.includes("Off-site backup copy") && svg.includes("POS and booking devices"), "the map names the recipient, the off-site copy and the devices");
  await p.getByRole("button", { name: "Run a self-audit now" }).click();
  check((await p.locator("#self-audits").textContent()).includes("run by hand"), "the self-audit report is listed");
  await axe(p, "compliance");
  await shot(p, "compliance");
  await Promise.all([p.waitForURL(/\/v1\/compliance\/ropa/), p.locator("#ropa-link").click()]);
  const ropaPage = p;
  const ropaText = await ropaPage.evaluate(() => document.body.innerText);
  check(ropaText.includes("Records of processing activities") && ropaText.includes("Cloud Mailer Inc.") && ropaText.includes("privacy@optik.example"), "the records of processing show the declared recipient and contact");
  await axe(ropaPage, "records of processing");
  await shot(ropaPage, "ropa");
  await go(p, "/v1/compliance/privacy-notice?lang=de");
  const notice = await p.evaluate(() => document.body.innerText);
  check(notice.includes("Datenschutzhinweise") && notice.includes("Version 3") && notice.includes("außerhalb der EU"), "the German notice tells the transfer");
  await axe(p, "privacy notice (de)");

  await go(p, "/import");
  const list = [
    "First Name,Last Name,Email,Accepts Email Marketing,Company,Address1,Address2,City,Province,Province Code,Country,Country Code,Zip,Phone,Accepts SMS Marketing,Total Spent,Total Orders,Tags,Note,Tax Exempt",
    "Jan,Kowalski,jan.kowalski@example.org,yes,,ul. Długa 1,,Gdańsk,,,Poland,PL,80-001,+48 601 111 222,no,120.00,3,,,no",
    "Ewa,Nowak,ewa.nowak@example.org,no,,,,Kraków,,,Poland,PL,30-001,,no,0.00,0,,,no",
    "Bad,Mail,not-an-address,no,,,,,,,,,,,no,0,0,,,no",
  ].join("\r\n") + "\r\n";
  await p.locator("#source").selectOption("shopify");
  await p.locator("#file").setInputFiles({ name: "customers_export.csv", mimeType: "text/csv", buffer: Buffer.from(list) });
  await p.getByRole("button", { name: "Upload" }).click();
  check((await p.locator("#report-title").textContent()).includes("nothing was written"), "the check comes first");
  check((await p.locator("#r-rows").textContent()).trim() === "3" && (await p.locator("#r-imported").textContent()).trim() === "2", "two of three rows would be created");
  check(/email/i.test(await p.locator("#import-report table").first().textContent()), "the refused row names its column");
  await axe(p, "import report");
  await shot(p, "import-check");
  await p.locator("#file").setInputFiles({ name: "customers_export.csv", mimeType: "text/csv", buffer: Buffer.from(list) });
  await p.locator("input[name=check_only]").uncheck();
  await p.getByRole("button", { name: "Upload" }).click();
  check((await p.locator("#report-title").textContent()).trim() === "Imported", "then the import");
  await go(p, "/customers?q=Kowalski");
  check((await p.locator("#results").textContent()).includes("Jan Kowalski"), "the imported customer is found");
  await go(p, "/customers");
  await p.getByRole("link", { name: "Browse all customers" }).click();
  const all = await p.locator("#results").textContent();
  check(all.includes("Jan Kowalski") && all.includes("Ewa Nowak") && !all.includes("Zofia"), "the list holds the customers, not the erased one");
  // The erased customer's own export cannot bring her back.
  await go(p, "/import");
  await p.locator("#export-file").setInputFiles({ name: "zofia.json", mimeType: "application/json", buffer: Buffer.from(exported) });
  await p.getByRole("button", { name: "Import the customer" }).click();
  check((await p.locator(".error").textContent()).includes("erased"), "an erased customer is not imported again");

  // Custom roles, emergency access, a compromised account.
  await go(p, "/staff");
  await p.locator("#role-name").fill("reception");
  await p.locator("input[name=action][value='customer.search']").check();
  await p.locator("input[name=action][value='customer.read']").check();
  await p.locator("#cat-identity").selectOption("full");
  await p.locator("#cat-contact").selectOption("masked");
  await p.getByRole("button", { name: "Create role" }).click();
  check((await p.locator(".notice").textContent()).includes("role was created"), "a custom role is defined");
  check((await p.locator("table.matrix").first().textContent()).includes("reception") || (await p.locator("#roles").textContent()).includes("reception"), "and shown");
  await p.getByRole("button", { name: /Delete the role/ }).click();
  check((await p.locator(".notice").textContent()).includes("role was deleted"), "and deleted");
  await p.locator("#grant-user").selectOption({ label: "sam" });
  await p.locator("#grant-role").selectOption("manager");
  await p.locator("#grant-minutes").fill("30");
  await p.locator("#grant-reason").fill("Owner away, refund dispute");
  await p.getByRole("button", { name: "Give emergency access" }).click();
  check((await p.locator("#break-glass table").textContent()).includes("Owner away, refund dispute"), "the grant is listed");
  await axe(p, "staff with a grant");
  await p.getByRole("button", { name: "End for sam" }).click();
  check((await p.locator(".notice").textContent()).includes("Emergency access was ended"), "and ended");
  await p.getByRole("button", { name: "max is compromised" }).click();
  check((await p.locator(".notice").textContent()).includes("must choose a new password"), "max's sessions end");
  await maxUser.page.goto(BASE + "/customers");
  check(new URL(maxUser.page.url()).pathname === "/login", "max is sent to sign in again");

  // Business settings and a webhook.
  await go(p, "/settings");
  check(await p.locator("input[name=require_mfa]").isChecked(), "the optician business requires two-step sign-in");
  await p.locator("#hours-mon").fill("09:00-18:00");
  await p.locator("#alert_email").fill("owner@optik.example");
  await p.getByRole("button", { name: "Save settings" }).click();
  check((await p.locator(".notice").textContent()).includes("settings were saved"), "settings saved");
  check((await p.locator("#hours-mon").inputValue()) === "09:00-18:00", "the hours are kept");
  await axe(p, "settings");
  await go(p, "/webhooks");
  await p.locator("#hook-url").fill("https://booking.example.org/custos");
  await p.locator("input[name=event][value='customer.erased']").check();
  await p.getByRole("button", { name: "Add webhook" }).click();
  check((await p.locator("#webhook-secret").textContent()).trim().length >= 32, "the webhook's secret is shown once");
  check((await p.locator("table").textContent()).includes("customer erased"), "the webhook is listed with its event");
  await axe(p, "webhooks");

  // Retention: check what is due, change a rule, see the change.
  await go(p, "/retention");
  await p.getByRole("button", { name: "Check what is due" }).click();
  check((await p.locator("#sweep-title").textContent()).includes("nothing was deleted"), "a sweep is checked first");
  const firstKeep = p.locator("input[name='r0.keep']");
  await firstKeep.fill("400");
  await p.getByRole("button", { name: "Save rules" }).click();
  check((await p.locator(".notice").textContent()).includes("retention rules were saved"), "rules saved");
  check((await p.locator("input[name='r0.keep']").inputValue()) === "400", "the new period is kept");
  await axe(p, "retention");
  await shot(p, "retention");

  // Holds, restriction and objection on a profile.
  step = "holds, restriction, objection";
  await go(p, evilUrl);
  await p.locator("#hold-reason").fill("Warranty claim in court");
  await p.getByRole("button", { name: "Place a legal hold" }).click();
  check((await p.locator("#protection").textContent()).includes("Warranty claim in court"), "the hold shows its reason");
  await p.locator("#restriction-reason").selectOption("accuracy_contested");
  await p.getByRole("button", { name: "Restrict processing" }).click();
  check((await p.locator(".title-row").textContent()).includes("Processing restricted"), "the profile says it is restricted");
  await go(p, evilUrl + "/edit");
  await p.locator("[name='f.city']").fill("Poznań");
  await p.getByRole("button", { name: "Save changes" }).click();
  check((await p.locator("main").textContent()).includes("Processing of this customer is restricted"), "a restricted customer is not changed");
  await go(p, evilUrl);
  await p.getByRole("button", { name: "Lift the restriction" }).click();
  await p.getByRole("button", { name: "Record the objection" }).click();
  check((await p.locator(".notice").textContent()).includes("objection was recorded"), "objection recorded");
  await axe(p, "profile with a hold");
  await p.getByRole("button", { name: "Lift the legal hold" }).click();
  check((await p.locator(".notice").textContent()).includes("hold was lifted"), "hold lifted");

  // 10. The account page; every main page in German and Polish: no English left, axe clean.
  step = "languages";
  p = owner.page;
  await go(p, "/account/mfa");
  check((await p.locator("main").textContent()).includes("it stays on"), "MFA cannot be turned off where the business requires it");
  await go(p, "/account");
  check((await p.locator("table").textContent()).includes("this one"), "the session list marks this session");
  await axe(p, "account");
  await shot(p, "account");
  const pages = ["/customers?q=Tester", "/customers/new", evilUrl, evilUrl + "/edit", evilUrl + "/erase", "/staff", "/account", "/account/password", "/account/mfa",
    "/requests?all=1", "/audit", "/alerts?all=1", alertUrl, "/incidents", incidentUrl,
    "/admin", "/security", "/compliance", "/settings", "/devices", "/tokens", "/webhooks", "/catalog", "/retention", "/marketing", "/backups", "/import"];
  for (const lang of ["de", "pl"]) {
    await go(p, `/language?lang=${lang}&back=/customers`);
    const forbidden = englishOnly(lang);
    check(forbidden.length > 150, `the English phrases to look for (${forbidden.length})`);
    for (const path of pages) {
      await go(p, path);
      check((await p.getAttribute("html", "lang")) === lang, `${path} is in ${lang}`);
      const text = await p.evaluate(() => document.body.innerText);
      const left = forbidden.filter((s) => text.includes(s.split("\n")[0]));
      check(left.length === 0, `${path} in ${lang} still shows English: ${left.slice(0, 3).join(" | ")}`);
      await axe(p, `${path} (${lang})`);
      if (path === "/customers/new" || path === evilUrl) await shot(p, `${path === evilUrl ? "customer-profile" : "new-customer"}-${lang}`);
    }
  }
  await go(p, "/language?lang=en&back=/customers");
  const english = englishOnly("de");
  for (const path of pages) {
    await go(p, path);
    // The same search finds the English phrases on the English page: it would find them left
    // on a German or Polish one.
    const text = await p.evaluate(() => document.body.innerText);
    const found = english.filter((s) => text.includes(s.split("\n")[0]));
    check(found.length >= 2, `${path} in English shows its phrases (${found.length})`);
    await axe(p, `${path} (en)`);
  }

  // 11. Every page came with the strict Content-Security-Policy.
  step = "CSP";
  check(cspSeen.size >= 8, `pages were seen (${cspSeen.size})`);
  for (const [path, csp] of cspSeen) {
    if (path.startsWith("/v1/compliance/")) {
      // The printable documents: no script at all, their own inline style only.
      check(csp.includes("default-src 'none'") && !csp.includes("script-src"), `${path} runs no script (${csp})`);
      continue;
    }
    check(csp.includes("default-src 'none'") && csp.includes("script-src 'self'") && !csp.includes("unsafe"), `${path} has the strict CSP (${csp})`);
  }
}

let failed = null;
try {
  await main();
} catch (e) {
  failed = e;
  // What each browser showed when it failed: a screenshot and the page's text.
  for (const [i, pg] of openPages.entries()) {
    try {
      await pg.screenshot({ path: join(SHOTS, `failure-${i}.png`), fullPage: true });
      const text = (await pg.evaluate(() => document.body.innerText)).slice(0, 600);
      console.error(`browser ${i} at ${pg.url()}:\n${text}\n`);
    } catch (_) {
      // a closed page has nothing to show
    }
  }
}
await browser.close();
if (failed) {
  console.error(`FAILED at ${failed.message}`);
  if (failed.stack) console.error(failed.stack.split("\n").slice(1, 4).join("\n"));
}
if (problems.length) {
  console.error(`${problems.length} problem(s):\n${problems.join("\n")}`);
}
if (failed || problems.length) process.exit(1);
console.log(`ok: every journey passed; axe checked ${axeRuns.pages} pages (no serious or critical violation; lesser: ${[...axeRuns.lesser].join(", ") || "none"}); screenshots in ${SHOTS}`);
