//! The web UI's languages: English, German and Polish message catalogs (Fluent, embedded in the
//! binary), the choice of language (the user's cookie, else the browser's `Accept-Language`),
//! and dates and numbers in the language's format, in the business's time zone.

use axum::http::{header, HeaderMap};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;
use time::OffsetDateTime;

/// The cookie that keeps the chosen language.
pub const LANG_COOKIE: &str = "custos_lang";

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// German.
    De,
    /// Polish.
    Pl,
}

impl Lang {
    /// Every language, in the order the switcher shows them.
    pub const ALL: [Lang; 3] = [Lang::En, Lang::De, Lang::Pl];

    /// The BCP 47 tag.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Pl => "pl",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Pl => "Polski",
        }
    }

    /// Parses a tag (`de`, `de-AT`, `PL`); `None` for a language the UI does not speak.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The language for a request: the cookie when set to a known language, else the first
    /// known language of `Accept-Language` by quality, else English.
    pub fn of_request(h: &HeaderMap) -> Lang {
        if let Some(l) = crate::extract::cookie(h, LANG_COOKIE).and_then(Lang::parse) {
            return l;
        }
        let Some(accept) = h.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()) else {
            return Lang::En;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in accept.split(',') {
            let mut bits = part.split(';');
            let Some(lang) = bits.next().and_then(Lang::parse) else {
                continue;
            };
            let q = bits
                .find_map(|b| b.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../locales/en.ftl"),
            Lang::De => include_str!("../../locales/de.ftl"),
            Lang::Pl => include_str!("../../locales/pl.ftl"),
        }
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle(lang: Lang) -> Bundle {
    let id: unic_langid::LanguageIdentifier = lang
        .code()
        .parse()
        .unwrap_or_else(|_| unreachable!("the three codes are valid language tags"));
    let mut b = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks would end up inside attributes and the test's text comparisons.
    b.set_use_isolating(false);
    // A syntax error in a catalog is caught by the catalog tests; what parsed is still used.
    let res = FluentResource::try_new(lang.source().to_owned()).unwrap_or_else(|(res, _)| res);
    let _ = b.add_resource(res);
    b
}

static BUNDLES: LazyLock<[Bundle; 3]> =
    LazyLock::new(|| [bundle(Lang::En), bundle(Lang::De), bundle(Lang::Pl)]);

fn bundle_of(lang: Lang) -> &'static Bundle {
    &BUNDLES[lang as usize]
}

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Translation and formatting for one page: the language and the business's time zone.
#[derive(Debug, Clone)]
pub struct Tr {
    /// The language.
    pub lang: Lang,
    tz: jiff::tz::TimeZone,
}

impl Tr {
    /// For `lang`, showing times in the IANA zone `tz` (UTC when unknown).
    pub fn new(lang: Lang, tz: &str) -> Tr {
        Tr {
            lang,
            tz: jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC),
        }
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let b = bundle_of(self.lang);
        let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
            // The catalog tests make this unreachable for keys the code uses; a custom field
            // or purpose without a label falls back (see `label`).
            tracing::warn!(message = id, lang = self.lang.code(), "missing message");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        b.format_pattern(pattern, args, &mut errors).into_owned()
    }

    /// The message `id`.
    pub fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with `$n` set to a count (plural forms follow the language).
    pub fn n(&self, id: &str, n: impl std::borrow::Borrow<i64>) -> String {
        let mut a = FluentArgs::new();
        a.set("n", FluentValue::from(*n.borrow()));
        self.format(id, Some(&a))
    }

    /// The message `id` with `$name` set to a text.
    pub fn a(&self, id: &str, name: &str, value: &str) -> String {
        let mut a = FluentArgs::new();
        a.set(name.to_owned(), FluentValue::from(value.to_owned()));
        self.format(id, Some(&a))
    }

    /// A self-check finding's state: `$n` its count, `$count` the whole, `$date` its time.
    pub fn finding(&self, f: &custos_api::compliance::Finding) -> String {
        let mut a = FluentArgs::new();
        if let Some(n) = f.count {
            a.set("n", FluentValue::from(n));
        }
        if let Some(n) = f.total {
            a.set("count", FluentValue::from(n));
        }
        if let Some(at) = &f.at {
            a.set("date", FluentValue::from(self.date(at)));
        }
        self.format(
            &format!("check-state-{}", f.code.replace('_', "-")),
            Some(&a),
        )
    }

    /// Whether the catalog has `id`.
    pub fn has(&self, id: &str) -> bool {
        bundle_of(self.lang).has_message(id)
    }

    /// The label of a catalog name (`field-email`, `purpose-newsletter`…): the message when the
    /// catalog has one, else the name made readable (`shoe_size` → `Shoe size`) for what a
    /// business declared itself.
    pub fn label(&self, kind: &str, name: &str) -> String {
        let id = format!("{kind}-{}", name.replace('_', "-"));
        if self.has(&id) {
            return self.t(&id);
        }
        humanize(name)
    }

    /// A field's label.
    pub fn field(&self, name: &str) -> String {
        self.label("field", name)
    }

    fn local(&self, t: OffsetDateTime) -> Option<jiff::Zoned> {
        jiff::Timestamp::from_second(t.unix_timestamp())
            .ok()
            .map(|ts| ts.to_zoned(self.tz.clone()))
    }

    /// A date in the language's format: `29 Nov 2026`, `29.11.2026`.
    pub fn date(&self, t: &OffsetDateTime) -> String {
        let Some(z) = self.local(*t) else {
            return t.date().to_string();
        };
        match self.lang {
            Lang::En => format!(
                "{} {} {}",
                z.day(),
                MONTHS_EN[(z.month() as usize).saturating_sub(1) % 12],
                z.year()
            ),
            Lang::De | Lang::Pl => format!("{:02}.{:02}.{}", z.day(), z.month(), z.year()),
        }
    }

    /// A date and time (24-hour clock, the business's zone).
    pub fn datetime(&self, t: &OffsetDateTime) -> String {
        let Some(z) = self.local(*t) else {
            return t.to_string();
        };
        format!("{}, {:02}:{:02}", self.date(t), z.hour(), z.minute())
    }

    /// The same as `datetime`, for an optional instant (empty when there is none).
    pub fn datetime_opt(&self, t: &Option<OffsetDateTime>) -> String {
        t.as_ref().map(|t| self.datetime(t)).unwrap_or_default()
    }

    /// An ISO date (`2026-11-29`) in the language's format; other text is returned as it is.
    pub fn iso_date(&self, s: &str) -> String {
        let parts: Vec<&str> = s.split('-').collect();
        match (self.lang, parts.as_slice()) {
            (Lang::En, [y, m, d]) if y.len() == 4 => match m.parse::<usize>() {
                Ok(mi @ 1..=12) => {
                    format!("{} {} {y}", d.trim_start_matches('0'), MONTHS_EN[mi - 1])
                }
                _ => s.to_owned(),
            },
            (Lang::De | Lang::Pl, [y, m, d]) if y.len() == 4 => format!("{d}.{m}.{y}"),
            _ => s.to_owned(),
        }
    }

    /// A `datetime-local` form value (`2026-11-29T14:05`) in the business's zone.
    pub fn parse_local(&self, s: &str) -> Option<OffsetDateTime> {
        let s = s.trim();
        let civil = jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M", s)
            .or_else(|_| jiff::civil::DateTime::strptime("%Y-%m-%dT%H:%M:%S", s))
            .ok()?;
        let ts = civil.to_zoned(self.tz.clone()).ok()?.timestamp();
        OffsetDateTime::from_unix_timestamp(ts.as_second()).ok()
    }

    /// A whole number with the language's grouping: `12,345`, `12.345`, `12 345`.
    pub fn num(&self, n: i64) -> String {
        let sep = match self.lang {
            Lang::En => ',',
            Lang::De => '.',
            // Polish groups with a no-break space, and only from five digits on.
            Lang::Pl if n.unsigned_abs() < 10_000 => return n.to_string(),
            Lang::Pl => '\u{a0}',
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        if n < 0 {
            out.insert(0, '-');
        }
        out
    }
}

/// `shoe_size` → `Shoe size`.
pub fn humanize(name: &str) -> String {
    let text = name.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The message ids of a language's catalog (its lines `id = …`).
pub fn message_ids(lang: Lang) -> Vec<String> {
    lang.source()
        .lines()
        .filter_map(|l| {
            let (id, _) = l.split_once(" =")?;
            let ok = id.starts_with(|c: char| c.is_ascii_lowercase())
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            ok.then(|| id.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_catalog_parses_without_errors() {
        for lang in Lang::ALL {
            if let Err((_, errors)) = FluentResource::try_new(lang.source().to_owned()) {
                panic!("{}.ftl does not parse: {errors:?}", lang.code());
            }
        }
    }

    #[test]
    fn german_and_polish_have_every_english_message_and_no_other() {
        let en: BTreeSet<String> = message_ids(Lang::En).into_iter().collect();
        assert!(en.len() > 100, "the English catalog is the full one");
        for lang in [Lang::De, Lang::Pl] {
            let ids = message_ids(lang);
            let set: BTreeSet<String> = ids.iter().cloned().collect();
            assert_eq!(set.len(), ids.len(), "{}: an id defined twice", lang.code());
            let missing: Vec<_> = en.difference(&set).collect();
            let extra: Vec<_> = set.difference(&en).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            assert!(extra.is_empty(), "{} has unknown {extra:?}", lang.code());
        }
        let en_ids = message_ids(Lang::En);
        assert_eq!(en_ids.len(), en.len(), "en: an id defined twice");
    }

    #[test]
    fn every_message_formats_in_every_language_without_errors() {
        for lang in Lang::ALL {
            let b = bundle_of(lang);
            for id in message_ids(lang) {
                let m = b.get_message(&id).unwrap();
                let Some(pattern) = m.value() else {
                    panic!("{}: {id} has no value", lang.code())
                };
                let mut a = FluentArgs::new();
                for name in [
                    "n", "name", "field", "date", "user", "role", "count", "id", "version",
                    "number", "time",
                ] {
                    a.set(name, FluentValue::from("x"));
                }
                a.set("n", FluentValue::from(3));
                let mut errors = Vec::new();
                let text = b.format_pattern(pattern, Some(&a), &mut errors);
                assert!(errors.is_empty(), "{}: {id}: {errors:?}", lang.code());
                assert!(!text.trim().is_empty(), "{}: {id} is empty", lang.code());
            }
        }
    }

    /// Every message id the code and templates ask for is in the English catalog (and so, by
    /// the test above, in all three).
    #[test]
    fn every_message_the_code_uses_is_in_the_catalog() {
        let en: BTreeSet<String> = message_ids(Lang::En).into_iter().collect();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["templates", "src/ui"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                files.push(e.unwrap().path());
            }
        }
        let call = regex_lite(r#"\.(t|n|a)\("([a-z0-9-]+)""#);
        let mut used = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for id in call(&text) {
                used += 1;
                assert!(en.contains(&id), "{} uses {id}, not in en.ftl", f.display());
            }
        }
        assert!(used > 100, "the scan finds the calls ({used})");
    }

    /// The ids in `.t("…")`, `.n("…"`, `.a("…"` calls (a tiny matcher; no regex crate).
    fn regex_lite(_: &str) -> impl Fn(&str) -> Vec<String> {
        |text: &str| {
            let mut out = Vec::new();
            for pat in [".t(\"", ".n(\"", ".a(\""] {
                let mut rest = text;
                while let Some(i) = rest.find(pat) {
                    rest = &rest[i + pat.len()..];
                    let end = rest
                        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
                        .unwrap_or(rest.len());
                    if rest[end..].starts_with('"') && end > 0 {
                        out.push(rest[..end].to_owned());
                    }
                }
            }
            out
        }
    }

    #[test]
    fn the_browser_language_is_the_default_and_the_cookie_wins() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::of_request(&h), Lang::En);
        h.insert(
            header::ACCEPT_LANGUAGE,
            "fr-FR,pl;q=0.8,de;q=0.9".parse().unwrap(),
        );
        assert_eq!(Lang::of_request(&h), Lang::De);
        h.insert(header::COOKIE, "custos_lang=pl".parse().unwrap());
        assert_eq!(Lang::of_request(&h), Lang::Pl);
        h.insert(header::COOKIE, "custos_lang=xx".parse().unwrap());
        assert_eq!(
            Lang::of_request(&h),
            Lang::De,
            "an unknown cookie is ignored"
        );
    }

    #[test]
    fn dates_and_numbers_follow_the_language() {
        let t = time::macros::datetime!(2026-11-29 13:05 UTC);
        let en = Tr::new(Lang::En, "Europe/Warsaw");
        let de = Tr::new(Lang::De, "Europe/Berlin");
        let pl = Tr::new(Lang::Pl, "UTC");
        assert_eq!(en.datetime(&t), "29 Nov 2026, 14:05");
        assert_eq!(de.datetime(&t), "29.11.2026, 14:05");
        assert_eq!(pl.datetime(&t), "29.11.2026, 13:05");
        assert_eq!(en.num(1_234_567), "1,234,567");
        assert_eq!(de.num(-1234), "-1.234");
        assert_eq!(pl.num(1234), "1234");
        assert_eq!(pl.num(12345), "12\u{a0}345");
        assert_eq!(de.iso_date("1990-04-07"), "07.04.1990");
        assert_eq!(en.iso_date("1990-04-07"), "7 Apr 1990");
        assert_eq!(en.iso_date("--04-07"), "--04-07");
    }

    #[test]
    fn polish_plurals_have_their_three_forms() {
        let pl = Tr::new(Lang::Pl, "UTC");
        let one = pl.n("customers-found", 1);
        let few = pl.n("customers-found", 3);
        let many = pl.n("customers-found", 5);
        assert!(
            one != few && few != many && one != many,
            "{one} / {few} / {many}"
        );
    }

    #[test]
    fn labels_fall_back_to_a_readable_name() {
        let en = Tr::new(Lang::En, "UTC");
        assert_eq!(en.field("email"), "E-mail");
        assert_eq!(en.field("shoe_size"), "Shoe size");
        let de = Tr::new(Lang::De, "UTC");
        assert_eq!(de.field("first_name"), "Vorname");
    }
}
