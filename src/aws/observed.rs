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

/// Tags as (key, value) pairs, whatever shape the SDK gave them in.
pub fn tag_pairs<'a, I, K, V>(tags: I) -> impl Iterator<Item = (&'a str, &'a str)>
where
    I: IntoIterator<Item = (&'a K, &'a V)>,
    K: AsRef<str> + 'a + ?Sized,
    V: AsRef<str> + 'a + ?Sized,
{
    tags.into_iter().map(|(k, v)| (k.as_ref(), v.as_ref()))
}
