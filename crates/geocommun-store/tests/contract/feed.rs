//! The change feed and the history: random sequences of revisions of the real BALs of
//! Perrecy-les-Forges and Mont-Bonvillers (renamed streets, deleted and new numbers, moved
//! positions, changed `cle_interop`, new BAN ids in a file that carries them), then "an
//! export at cursor C + every change after C = the base now", from every cursor taken on the
//! way.

use std::time::Duration;

use geocommun_store::{
    ChangeKind, Client, Error, FeedFilter, FeedState, Record, RevisionContext, RevisionId,
    RevisionStatus, Timestamp,
};
use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

use crate::Harness;
use crate::harness::{MONT_BONVILLERS, PERRECY, bal};

async fn publish(h: &Harness, client: &Client, commune: &str, bytes: &[u8]) -> RevisionId {
    let s = &h.store;
    let r = s.create_revision(client, commune, RevisionContext::default()).await.unwrap();
    s.upload_file(client, r.id, bytes).await.unwrap();
    let r = s.compute(client, r.id).await.unwrap();
    assert_eq!(r.status, RevisionStatus::Ready, "{:?}", r.report.map(|r| r.errors));
    s.publish(client, r.id).await.unwrap();
    r.id
}

/// A BAL as header + rows of cells (the two real files have no `;` inside a value).
struct Bal {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    /// New BAN ids given to addresses so far.
    id_changes: usize,
}

impl Bal {
    fn parse(bytes: &[u8]) -> Self {
        let text = std::str::from_utf8(bytes).unwrap().trim_start_matches('\u{feff}');
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let split = |l: &str| l.split(';').map(str::to_owned).collect::<Vec<_>>();
        let header = split(lines.next().unwrap());
        Self { header, rows: lines.map(split).collect(), id_changes: 0 }
    }

    /// Gives every row BAN ids in `uid_adresse` (`@c: @v: @a:`), one per commune, street and
    /// address, as a BAL that carries its ids does.
    fn with_ban_ids(mut self, rng: &mut StdRng) -> Self {
        let (uid, voie) = (self.col("uid_adresse"), self.col("voie_nom"));
        let commune = uuid4(rng);
        let mut streets = std::collections::HashMap::new();
        for r in &mut self.rows {
            let street = *streets.entry(r[voie].clone()).or_insert_with(|| uuid4(rng));
            r[uid] = format!("@c:{commune} @v:{street} @a:{}", uuid4(rng));
        }
        self
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap()
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = self.header.join(";");
        for r in &self.rows {
            out.push('\n');
            out.push_str(&r.join(";"));
        }
        out.into_bytes()
    }

    /// One random edit of the kinds a commune makes.
    fn edit(&mut self, rng: &mut StdRng, step: usize) {
        let (voie, numero, cle) =
            (self.col("voie_nom"), self.col("numero"), self.col("cle_interop"));
        let (lon, lat) = (self.col("long"), self.col("lat"));
        let pick = rng.random_range(0..self.rows.len());
        match rng.random_range(0..6) {
            // Rename a street.
            0 => {
                let old = self.rows[pick][voie].clone();
                for r in self.rows.iter_mut().filter(|r| r[voie] == old) {
                    r[voie] = format!("Rue Nouvelle {step}");
                }
            }
            // Delete a few numbers (under the 20 % warning).
            1 => {
                let n = (self.rows.len() / 30).max(1);
                for _ in 0..n {
                    let i = rng.random_range(0..self.rows.len());
                    self.rows.remove(i);
                }
            }
            // New numbers.
            2 => {
                for k in 0..rng.random_range(1..6) {
                    let mut r = self.rows[(pick + k) % self.rows.len()].clone();
                    let n = 5_000 + step * 10 + k;
                    r[numero] = n.to_string();
                    r[self.col("suffixe")] = String::new();
                    r[self.col("uid_adresse")] = String::new();
                    if let Some((street, _)) = r[cle].rsplit_once('_') {
                        r[cle] = format!("{street}_{n:05}");
                    }
                    self.rows.push(r);
                }
            }
            // Move a number.
            3 => {
                let r = &mut self.rows[pick];
                let x: f64 = r[lon].parse().unwrap();
                let y: f64 = r[lat].parse().unwrap();
                r[lon] = format!("{:.7}", x + 0.0001);
                r[lat] = format!("{:.7}", y - 0.0001);
            }
            // A new BAN id for an address (in a BAL that carries them): the old id retires.
            5 => {
                let uid = self.col("uid_adresse");
                if let Some(r) = self.rows.iter_mut().skip(pick).find(|r| r[uid].contains("@a:"))
                    && let Some((before, _)) = r[uid].rsplit_once("@a:")
                {
                    r[uid] = format!("{before}@a:{}", uuid4(rng));
                    self.id_changes += 1;
                }
            }
            // A changed interoperability key (another street code): the id follows the
            // street name and number.
            _ => {
                let r = &mut self.rows[pick];
                if let Some((_, number)) = r[cle].rsplit_once('_') {
                    r[cle] = format!("{}_zz{:02}_{number}", &r[cle][..5], step % 100);
                }
            }
        }
    }
}

fn uuid4(rng: &mut StdRng) -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

fn state_of(records: Vec<Record>) -> FeedState {
    FeedState::from_records(records)
}

/// Applies every change after `cursor` to `state`, page by page.
async fn replay(h: &Harness, filter: &FeedFilter, mut cursor: i64, state: &mut FeedState) -> i64 {
    loop {
        let page = h.store.feed(filter, cursor, 97).await.unwrap();
        for c in &page.changes {
            assert!(c.seq > cursor, "changes in order");
            state.apply(c);
        }
        if page.changes.is_empty() {
            assert_eq!(page.next, cursor);
            return cursor;
        }
        assert_eq!(page.next, page.changes.last().unwrap().seq);
        cursor = page.next;
    }
}

pub async fn export_plus_feed_is_the_base(h: &Harness) {
    let client = h.client("moissonneur", &["departement:71", "departement:54"]).await;
    let mut rng = StdRng::seed_from_u64(20_261_205);
    // Mont-Bonvillers carries BAN ids in its file, Perrecy does not.
    let with_ids = Bal::parse(&bal(MONT_BONVILLERS)).with_ban_ids(&mut rng);
    let mut bals = [(PERRECY, Bal::parse(&bal(PERRECY))), (MONT_BONVILLERS, with_ids)];
    let mut exports = vec![(0, FeedState::default())];
    for step in 0..12 {
        let (commune, b) = &mut bals[rng.random_range(0..2)];
        if step >= 2 {
            for _ in 0..rng.random_range(1..4) {
                b.edit(&mut rng, step);
            }
        }
        publish(h, &client, commune, &b.bytes()).await;
        h.clock.advance(Duration::from_mins(1));
        if rng.random_range(0..3) == 0 {
            let (cursor, records) = h.store.bal_records().await.unwrap();
            exports.push((cursor, state_of(records)));
        }
    }
    assert!(bals[1].1.id_changes > 0, "the seed gives at least one new BAN id");
    let (head, now) = h.store.bal_records().await.unwrap();
    let now = state_of(now);
    assert!(exports.len() >= 3, "exports taken on the way: {}", exports.len());
    for (cursor, mut state) in exports {
        let end = replay(h, &FeedFilter::All, cursor, &mut state).await;
        assert_eq!(end, head);
        assert!(state == now, "export at {cursor} + feed differs from the base at {head}");
    }
    // Per commune too.
    for commune in [PERRECY, MONT_BONVILLERS] {
        let mut state = FeedState::default();
        replay(h, &FeedFilter::Commune(commune.into()), 0, &mut state).await;
        assert_eq!(state.communes.get(commune), now.communes.get(commune), "{commune}");
    }
    let mut state = FeedState::default();
    replay(h, &FeedFilter::Departement("54".into()), 0, &mut state).await;
    assert_eq!(state.communes.keys().collect::<Vec<_>>(), vec![MONT_BONVILLERS]);
    // Numbers without gaps.
    let all = h.store.feed(&FeedFilter::All, 0, 10_000).await.unwrap();
    assert!(all.changes.iter().enumerate().all(|(i, c)| c.seq == i as i64 + 1));
    // A cursor from the future, or negative, is refused with what to do.
    let err = h.store.feed(&FeedFilter::All, head + 1, 10).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid { .. }), "{err}");
    assert!(err.to_string().contains("ahead of the feed"), "{err}");
    assert!(h.store.feed(&FeedFilter::All, -1, 10).await.is_err());
}

pub async fn history_of_an_address_and_the_base_at_a_date(h: &Harness) {
    let client = h.client("moissonneur", &["departement:71"]).await;
    let mut b = Bal::parse(&bal(PERRECY));
    let first = publish(h, &client, PERRECY, &b.bytes()).await;
    let t1 = h.store.revision(first).await.unwrap().published_at.unwrap();
    h.clock.advance(Duration::from_hours(24));
    // Rename "Rue du Bé", move its number 1.
    let (voie, cle, lon) = (b.col("voie_nom"), b.col("cle_interop"), b.col("long"));
    for r in b.rows.iter_mut().filter(|r| r[voie] == "Rue du Bé") {
        r[voie] = "Rue du Bief".into();
        if r[cle] == "71346_0090_00001" {
            r[lon] = "4.2156280".into();
        }
    }
    let second = publish(h, &client, PERRECY, &b.bytes()).await;
    let t2 = h.store.revision(second).await.unwrap().published_at.unwrap();

    let feed = h.store.feed(&FeedFilter::All, 0, 10_000).await.unwrap().changes;
    let one = feed
        .iter()
        .find_map(|c| match &c.data {
            Some(Record::Address(a)) if a.cle_interop.as_deref() == Some("71346_0090_00001") => {
                Some(a.id.clone())
            }
            _ => None,
        })
        .unwrap();
    let history = h.store.history(&one).await.unwrap();
    let kinds: Vec<ChangeKind> = history.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::AddressCreated, ChangeKind::AddressChanged]);
    assert_eq!((history[0].revision, history[0].at), (first, t1));
    assert_eq!((history[1].revision, history[1].at), (second, t2));
    let street = |c: &geocommun_store::Change| match &c.data {
        Some(Record::Address(a)) => a.toponyme.clone(),
        _ => unreachable!(),
    };
    assert_eq!(street(&history[0]), street(&history[1]), "the street keeps its id");
    let renamed: Vec<_> = feed.iter().filter(|c| c.kind == ChangeKind::ToponymeRenamed).collect();
    assert_eq!(renamed.len(), 1);
    assert!(matches!(&renamed[0].data, Some(Record::Toponyme(t)) if t.name == "Rue du Bief"));

    // The base at a date: before the first publication nothing (fallback), between the two the
    // first revision, after the second one.
    let at = |t: i64| h.store.revisions_at(Timestamp(t));
    assert!(at(t1.0 - 1).await.unwrap().is_empty());
    assert_eq!(at(t1.0).await.unwrap(), vec![(PERRECY.to_owned(), first)]);
    assert_eq!(at(t2.0 - 1).await.unwrap(), vec![(PERRECY.to_owned(), first)]);
    assert_eq!(at(t2.0 + 1).await.unwrap(), vec![(PERRECY.to_owned(), second)]);
}
