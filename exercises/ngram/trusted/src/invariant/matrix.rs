//! The n-gram exercise's reference-free properties of the `matrix` task: the document-term
//! matrix agrees with the counts, bad ranges are rejected.

use super::*;

pub fn matrix_consistent(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    ctx.for_all((docs(), ranges()), |(docs, (min, max))| {
        let texts = texts_of(&docs);
        let m = valid(
            imp.document_term_matrix(&texts, min, max),
            "document_term_matrix",
        )?;
        let all = known_counts(&docs, min, max);
        let sorted: Vec<String> = all.keys().cloned().collect();
        ensure_eq!(
            m.vocabulary,
            sorted,
            "vocabulary: each n-gram of the corpus, ascending"
        );
        ensure_eq!(
            m.counts.dim(),
            (docs.len(), all.len()),
            "shape [documents, vocabulary]"
        );
        for (i, doc) in docs.iter().enumerate() {
            let cells = m.vocabulary.iter().zip(m.counts.row(i));
            let present = cells.filter(|&(_, &c)| c > 0);
            let row: Counts = present.map(|(g, &c)| (g.clone(), u64::from(c))).collect();
            let expected = known_counts(std::slice::from_ref(doc), min, max);
            ensure_eq!(row, expected, "row {i}: the counts of document {i} alone");
        }
        Ok(())
    })
}

pub fn matrix_reject(imp: &Counter, ctx: &mut Ctx) -> Result<(), Failure> {
    rejects_ranges(ctx, |min, max| {
        imp.document_term_matrix(&["new york"], min, max)
            .map(|_| ())
    })
}
