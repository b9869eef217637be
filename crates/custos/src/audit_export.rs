//! `custos audit export` and the offline verification of an export: the trail with its hashes
//! and signed checkpoints, as JSON Lines or CSV, so an auditor can check it with only the public
//! key and no access to the server.
//!
//! JSON Lines: a header object, one object per event (`seq`, `prev_hash`, `hash`, and `event`,
//! the exact bytes that were hashed, as a JSON string), then one `{"checkpoint": …}` per
//! checkpoint. CSV: one row per event and per checkpoint, told apart by the `record` column; the
//! event's fields are spread into columns for reading, and `event` holds the exact hashed bytes.

use anyhow::{anyhow, bail, Context};
use custos_core::audit::AuditEvent;
use custos_core::store::{Checkpoint, Store};
use custos_core::trail::{Verification, Verifier};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use time::OffsetDateTime;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON Lines.
    Jsonl,
    /// CSV.
    Csv,
}

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    #[serde(with = "time::serde::rfc3339")]
    exported_at: OffsetDateTime,
    public_key: String,
}

#[derive(Serialize, Deserialize)]
struct EventLine {
    seq: u64,
    prev_hash: String,
    hash: String,
    event: String,
}

#[derive(Serialize, Deserialize)]
struct CheckpointWire {
    seq: u64,
    hash: String,
    at: i64,
    signature: String,
}

#[derive(Serialize, Deserialize)]
struct CheckpointLine {
    checkpoint: CheckpointWire,
}

const CSV_HEADER: [&str; 18] = [
    "record",
    "seq",
    "at",
    "actor_kind",
    "actor_id",
    "actor_role",
    "action",
    "customer_ids",
    "categories",
    "target",
    "reason",
    "outcome",
    "request_id",
    "client_addr",
    "prev_hash",
    "hash",
    "event",
    "signature",
];

fn unhex32(s: &str) -> anyhow::Result<[u8; 32]> {
    let v = hex::decode(s).map_err(|_| anyhow!("'{s}' is not hex"))?;
    <[u8; 32]>::try_from(v.as_slice()).map_err(|_| anyhow!("a hash has 32 bytes"))
}

fn wire(c: &Checkpoint) -> CheckpointWire {
    CheckpointWire {
        seq: c.seq,
        hash: hex::encode(c.hash),
        at: c.at.unix_timestamp(),
        signature: hex::encode(&c.signature),
    }
}

fn unwire(c: CheckpointWire) -> anyhow::Result<Checkpoint> {
    Ok(Checkpoint {
        seq: c.seq,
        hash: unhex32(&c.hash)?,
        at: OffsetDateTime::from_unix_timestamp(c.at)
            .map_err(|_| anyhow!("checkpoint time out of range"))?,
        signature: hex::decode(&c.signature).map_err(|_| anyhow!("a signature is hex"))?,
    })
}

fn csv_event(seq: u64, body: &[u8], prev: &Hash, hash: &Hash) -> anyhow::Result<Vec<String>> {
    let text = String::from_utf8(body.to_vec()).map_err(|_| anyhow!("event {seq} is not UTF-8"))?;
    let ev: AuditEvent =
        serde_json::from_slice(body).with_context(|| format!("event {seq} is not an event"))?;
    let opt = |o: Option<String>| o.unwrap_or_default();
    Ok(vec![
        "event".to_owned(),
        seq.to_string(),
        ev.at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        ev.actor_kind,
        ev.actor_id.map(|a| a.to_string()).unwrap_or_default(),
        opt(ev.actor_role),
        ev.action,
        ev.customer_ids
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(" "),
        ev.categories
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        opt(ev.target),
        opt(ev.reason),
        serde_json::to_value(ev.outcome)?
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        opt(ev.request_id),
        opt(ev.client_addr),
        hex::encode(prev),
        hex::encode(hash),
        text,
        String::new(),
    ])
}

/// Where an export goes: JSON lines written straight out, or a CSV writer around the output.
enum Sink<'a> {
    Jsonl(&'a mut dyn Write),
    Csv(Box<csv::Writer<&'a mut dyn Write>>),
}

impl Sink<'_> {
    fn event(&mut self, seq: u64, body: Vec<u8>, prev: &Hash, hash: &Hash) -> anyhow::Result<()> {
        match self {
            Sink::Csv(w) => w.write_record(csv_event(seq, &body, prev, hash)?)?,
            Sink::Jsonl(out) => {
                let text =
                    String::from_utf8(body).map_err(|_| anyhow!("event {seq} is not UTF-8"))?;
                let line = EventLine {
                    seq,
                    prev_hash: hex::encode(prev),
                    hash: hex::encode(hash),
                    event: text,
                };
                writeln!(out, "{}", serde_json::to_string(&line)?)?;
            }
        }
        Ok(())
    }

    fn checkpoint(&mut self, c: &Checkpoint) -> anyhow::Result<()> {
        let cw = wire(c);
        match self {
            Sink::Csv(w) => {
                let mut row = vec![String::new(); CSV_HEADER.len()];
                row[0] = "checkpoint".into();
                row[1] = cw.seq.to_string();
                row[2] = cw.at.to_string();
                row[15] = cw.hash;
                row[17] = cw.signature;
                w.write_record(&row)?;
            }
            Sink::Jsonl(out) => writeln!(
                out,
                "{}",
                serde_json::to_string(&CheckpointLine { checkpoint: cw })?
            )?,
        }
        Ok(())
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Csv(mut w) => w.flush()?,
            Sink::Jsonl(out) => out.flush()?,
        }
        Ok(())
    }
}

/// Writes the whole trail with its checkpoints; answers the number of events.
pub async fn export(
    store: &dyn Store,
    public_key: &str,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    let checkpoints = store.checkpoints().await?;
    let mut sink = match format {
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(CSV_HEADER)?;
            Sink::Csv(Box::new(w))
        }
        Format::Jsonl => {
            let h = Header {
                format: "custos-audit-export".into(),
                version: 1,
                exported_at: OffsetDateTime::now_utc(),
                public_key: public_key.to_owned(),
            };
            writeln!(out, "{}", serde_json::to_string(&h)?)?;
            Sink::Jsonl(out)
        }
    };
    let mut next = 1u64;
    let mut n = 0u64;
    loop {
        let batch = store.audit_range(next, 10_000).await?;
        if batch.is_empty() {
            break;
        }
        for e in batch {
            next = e.seq + 1;
            n += 1;
            sink.event(e.seq, e.body, &e.prev_hash, &e.hash)?;
        }
    }
    for c in &checkpoints {
        sink.checkpoint(c)?;
    }
    sink.finish()?;
    Ok(n)
}

type Hash = [u8; 32];

/// Called with each event of an export: position, hashed bytes, previous hash, hash; answers
/// whether to go on.
type OnEvent<'a> = dyn FnMut(u64, &[u8], &Hash, &Hash) -> bool + 'a;

/// Reads an export, handing each event and each checkpoint to the callbacks in file order;
/// stops early when `on_event` answers false.
fn read_export(
    path: &Path,
    on_event: &mut OnEvent<'_>,
    on_checkpoint: &mut dyn FnMut(Checkpoint),
) -> anyhow::Result<()> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let first = reader.fill_buf()?.first().copied();
    match first {
        Some(b'{') => {
            let mut lines = reader.lines();
            let header: Header = serde_json::from_str(
                &lines
                    .next()
                    .ok_or_else(|| anyhow!("the export is empty"))??,
            )
            .context("the first line is not an export header")?;
            if header.format != "custos-audit-export" || header.version != 1 {
                bail!("not a custos audit export (version 1)");
            }
            for (i, line) in lines.enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                if line.starts_with("{\"checkpoint\"") {
                    let c: CheckpointLine = serde_json::from_str(&line)
                        .with_context(|| format!("line {} is not a checkpoint", i + 2))?;
                    on_checkpoint(unwire(c.checkpoint)?);
                } else {
                    let e: EventLine = serde_json::from_str(&line)
                        .with_context(|| format!("line {} is not an event", i + 2))?;
                    if !on_event(
                        e.seq,
                        e.event.as_bytes(),
                        &unhex32(&e.prev_hash)?,
                        &unhex32(&e.hash)?,
                    ) {
                        return Ok(());
                    }
                }
            }
        }
        Some(_) => {
            let mut r = csv::Reader::from_reader(reader);
            for (i, rec) in r.records().enumerate() {
                let rec = rec.with_context(|| format!("CSV row {} is malformed", i + 2))?;
                let col = |k: usize| rec.get(k).unwrap_or_default();
                let seq: u64 = col(1)
                    .parse()
                    .with_context(|| format!("row {}: seq", i + 2))?;
                match col(0) {
                    "event" => {
                        let (body, prev, hash) =
                            (col(16).as_bytes(), unhex32(col(14))?, unhex32(col(15))?);
                        // The readable columns must say what the hashed bytes say.
                        let expected = csv_event(seq, body, &prev, &hash).with_context(|| {
                            format!("row {}: the event is not an audit event", i + 2)
                        })?;
                        if rec.iter().ne(expected.iter().map(String::as_str)) {
                            bail!("row {} (event {seq}): its columns do not match the event's hashed bytes: the export was altered", i + 2);
                        }
                        if !on_event(seq, body, &prev, &hash) {
                            return Ok(());
                        }
                    }
                    "checkpoint" => on_checkpoint(unwire(CheckpointWire {
                        seq,
                        hash: col(15).to_owned(),
                        at: col(2)
                            .parse()
                            .with_context(|| format!("row {}: at", i + 2))?,
                        signature: col(17).to_owned(),
                    })?),
                    other => bail!("row {}: unknown record '{other}'", i + 2),
                }
            }
        }
        None => bail!("the export is empty"),
    }
    Ok(())
}

/// Verifies an exported file with the public key alone: a first pass collects the checkpoints
/// (they come last), a second streams the events through the verifier.
pub fn verify_export(path: &Path, public_key: &str) -> anyhow::Result<Verification> {
    let mut checkpoints = Vec::new();
    read_export(path, &mut |_, _, _, _| true, &mut |c| checkpoints.push(c))?;
    let mut v = Verifier::new(&checkpoints);
    read_export(
        path,
        &mut |seq, body, prev, hash| v.push(seq, body, prev, hash),
        &mut |_| {},
    )?;
    Ok(v.finish(&checkpoints, public_key))
}
