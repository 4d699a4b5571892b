//! The n-gram stream task's memory properties, in a test binary of their own: the heap
//! meter is this binary's global allocator, and the one test below runs alone, so that
//! no other test's allocations count against the implementation measured.

use mldrill_spec::ngram::{NgramCounter, SketchSpec};
use ngram_trusted::memory::{self, METER, Meter};
use ngram_trusted::mutants::{Flaw, Mutant};
use ngram_trusted::properties;
use ngram_trusted::reference::Reference;

#[global_allocator]
static HEAP: &Meter = &METER;

const SEED: u64 = 20_261_122;

/// The memory properties `imp` fails.
fn failures(imp: &(dyn NgramCounter + 'static)) -> Vec<(&'static str, String)> {
    let ids: Vec<&str> = memory::properties().iter().map(|p| p.id).collect();
    let all = properties().into_iter().filter(|p| ids.contains(&p.id));
    all.filter_map(|p| p.run(imp, SEED, 1).err().map(|f| (p.id, f.reason)))
        .collect()
}

#[test]
fn the_reference_fits_its_budget_and_exact_or_line_buffering_counters_do_not() {
    assert!(memory::installed(), "the meter is the global allocator");

    let failed = failures(&Reference);
    assert!(failed.is_empty(), "the reference fails: {failed:#?}");
    // With room to spare: half the allowance, on both streams.
    let spec = SketchSpec {
        n: 2,
        epsilon: 0.01,
        delta: 0.01,
        seed: 1,
        memory_budget: 10_880,
        lossy: false,
    };
    let streams = [
        (2, 240_000, memory::Generated::new(3, 2, 240_000)),
        (
            240_000,
            240_000,
            memory::Generated::new(3, 240_000, 240_000),
        ),
        (
            240_000,
            240_000,
            memory::Generated::punctuated(3, 240_000, 240_000),
        ),
    ];
    for (per_line, tokens, mut stream) in streams {
        let (sketch, peak) = memory::measured(|| Reference.count_stream(&mut stream, &spec));
        assert_eq!(sketch.unwrap().total(), tokens - tokens / per_line);
        eprintln!("reference, {tokens} tokens, {per_line} a line: peak heap {peak} bytes");
        assert!(peak < spec.memory_budget + memory::ALLOWANCE / 2, "{peak}");
    }

    // Exact counts grow with the distinct bigrams, which both streams have plenty of.
    let exact = failures(&Mutant(Flaw::ExactHashMap));
    let ids: Vec<&str> = exact.iter().map(|f| f.0).collect();
    assert_eq!(ids[0], "stream/memory_within_budget", "{exact:#?}");
    assert!(exact[0].1.contains("exact count"), "{}", exact[0].1);
    eprintln!("ExactHashMap: {}", exact[0].1);

    let whole_line = failures(&Mutant(Flaw::BuffersWholeLine));
    let ids: Vec<&str> = whole_line.iter().map(|f| f.0).collect();
    assert_eq!(
        ids,
        ["stream/long_line_in_bounded_memory"],
        "{whole_line:#?}"
    );
    eprintln!("BuffersWholeLine: {}", whole_line[0].1);

    // tests/suites.rs leaves exactly these to this binary.
    assert_eq!(Flaw::METERED, [Flaw::ExactHashMap, Flaw::BuffersWholeLine]);

    // Every other stream mutant reads and counts like the reference: within budget.
    for flaw in [
        Flaw::SameHashEveryRow,
        Flaw::TooFewRows,
        Flaw::IgnoresBudget,
    ] {
        let failed = failures(&Mutant(flaw));
        assert!(failed.is_empty(), "{flaw:?}: {failed:#?}");
    }
}
