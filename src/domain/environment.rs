//! A function's environment variables, whose values may be the very secrets this tool moves:
//! [`Environment`] reads like a map, but its `Debug` and `Display` show names only.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Deref, DerefMut};

/// Variable names to values; printing it never shows a value.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Environment(BTreeMap<String, String>);

impl Environment {
    pub fn into_inner(self) -> BTreeMap<String, String> {
        self.0
    }
}

impl Deref for Environment {
    type Target = BTreeMap<String, String>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for Environment {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl From<BTreeMap<String, String>> for Environment {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }
}

impl FromIterator<(String, String)> for Environment {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.keys().map(String::as_str).collect();
        f.write_str(&names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printing_shows_names_never_values() {
        let env: Environment = [("DB_PASSWORD".to_string(), "hunter2-Zq8#pL2".to_string())]
            .into_iter()
            .collect();
        let shown = [format!("{env:?}"), format!("{env:#?}"), format!("{env}")];
        for text in shown {
            assert!(text.contains("DB_PASSWORD"), "{text}");
            assert!(!text.contains("hunter2"), "{text}");
        }
        assert_eq!(env.get("DB_PASSWORD").map(String::len), Some(15));
    }
}
