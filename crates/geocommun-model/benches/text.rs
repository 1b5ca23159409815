//! Text normalisation on realistic address strings: `tokens` (fold, glue, synonyms) and
//! `phonetic` per token, the work done on every indexed label and every query.
//!
//! `cargo bench -p geocommun-model --bench text`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geocommun_model::text::{clean_query, fold, phonetic, phonetic_into, tokens};

const ADDRESSES: [&str; 20] = [
    "12 rue de Rivoli 75001 Paris",
    "3 bis avenue du Général Leclerc 94700 Maisons-Alfort",
    "Bd St-Michel Paris",
    "45 boulevard Haussmann",
    "8 place de la République 69002 Lyon",
    "Chemin des Prés Hauts, 38000 Grenoble",
    "1er étage 22 rue des Fleurs 59350 Lille Cedex 23",
    "Lieu-dit Les Fourches 12340 Bozouls",
    "17 ter impasse du Maréchal Foch",
    "Rue du 8 Mai 1945 Saint-Étienne",
    "Avenue de la 1re Armée Française 67000 Strasbourg",
    "Quai de Dunkerque 59140 Dunkerque",
    "ZI des Paluds 13400 Aubagne",
    "2 rte de Notre-Dame-des-Landes",
    "Faubourg Saint-Antoine 75011",
    "Rond-point des Champs-Élysées Marcel Dassault",
    "Résidence les Jardins de l'Abbaye bât B 4 allée des Tilleuls",
    "Hameau de Kerguélen 29217 Plougonvelin",
    "Place Charles de Gaulle 78100 Saint-Germain-en-Laye",
    "55 rue du Faubourg Saint-Honoré 75008 Paris",
];

fn bench_text(c: &mut Criterion) {
    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Elements(ADDRESSES.len() as u64));
    group.bench_function("fold", |b| {
        b.iter(|| {
            for a in ADDRESSES {
                black_box(fold(black_box(a)));
            }
        });
    });
    group.bench_function("tokens", |b| {
        b.iter(|| {
            for a in ADDRESSES {
                black_box(tokens(black_box(a)));
            }
        });
    });
    group.bench_function("tokens+phonetic", |b| {
        b.iter(|| {
            for a in ADDRESSES {
                for t in tokens(black_box(a)) {
                    black_box(phonetic(&t));
                }
            }
        });
    });
    group.bench_function("tokens+phonetic_into", |b| {
        let mut key = String::new();
        b.iter(|| {
            for a in ADDRESSES {
                for t in tokens(black_box(a)) {
                    phonetic_into(&t, &mut key);
                    black_box(&key);
                }
            }
        });
    });
    group.bench_function("clean_query+tokens", |b| {
        b.iter(|| {
            for a in ADDRESSES {
                black_box(tokens(&clean_query(black_box(a))));
            }
        });
    });
    group.finish();
}

criterion_group!(benches, bench_text);
criterion_main!(benches);
