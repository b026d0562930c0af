//! Precision, recall and F1, and how the report prints them.

use secretslab::classify::Class;

/// Precision, recall and F1 of a yes/no prediction against a yes/no truth.
pub fn scores(pairs: impl Iterator<Item = (bool, bool)>) -> (f64, f64, f64, usize, usize) {
    let (mut tp, mut predicted, mut actual) = (0usize, 0usize, 0usize);
    for (truth, guess) in pairs {
        tp += usize::from(truth && guess);
        predicted += usize::from(guess);
        actual += usize::from(truth);
    }
    let precision = if predicted == 0 {
        0.0
    } else {
        tp as f64 / predicted as f64
    };
    let recall = if actual == 0 {
        0.0
    } else {
        tp as f64 / actual as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    (precision, recall, f1, predicted, actual)
}

pub fn prf((p, r, f, _, _): (f64, f64, f64, usize, usize)) -> String {
    format!("{p:.3} | {r:.3} | {f:.3}")
}

pub fn share(hits: usize, of: usize) -> String {
    format!(
        "{hits}/{of} ({:.0}%)",
        100.0 * hits as f64 / of.max(1) as f64
    )
}

pub const CLASSES: [Class; 4] = [
    Class::Secret,
    Class::Suspect,
    Class::Reference,
    Class::Config,
];
