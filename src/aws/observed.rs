//! What a read of one lab resource found.

/// The result of looking a resource up by its lab-derived name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed<T> {
    Missing,
    /// Present and tagged as this lab's.
    Owned(T),
    /// Present under our name but without our tags: someone else's; never touched.
    Foreign,
}

impl<T> Observed<T> {
    pub fn owned(&self) -> Option<&T> {
        match self {
            Observed::Owned(value) => Some(value),
            _ => None,
        }
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Observed::Missing)
    }
}
