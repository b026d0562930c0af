//! The learner's progress through the tour, keyed by step id and written atomically.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::domain::state::{read_json, remove_file, write_json};
use crate::error::Result;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TutorialState {
    pub lab: String,
    pub done: BTreeSet<String>,
    /// The step the learner was on when they left.
    pub current: Option<String>,
}

pub struct ProgressStore {
    path: PathBuf,
}

impl ProgressStore {
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
        }
    }

    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    pub fn load(&self) -> Option<TutorialState> {
        read_json(&self.path)
    }

    pub fn save(&self, state: &TutorialState) -> Result<()> {
        write_json(&self.path, state)
    }

    pub fn clear(&self) -> Result<()> {
        remove_file(&self.path)
    }
}

impl TutorialState {
    /// Where to start: the saved current step, else the first step not done.
    pub fn resume_index(&self, ids: &[String]) -> usize {
        if let Some(current) = &self.current {
            if let Some(i) = ids.iter().position(|id| id == current) {
                return i;
            }
        }
        ids.iter()
            .position(|id| !self.done.contains(id))
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resumes_at_the_saved_step() {
        let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        let mut state = TutorialState::default();
        assert_eq!(state.resume_index(&ids), 0);
        state.done.insert("a".into());
        assert_eq!(state.resume_index(&ids), 1);
        state.current = Some("c".into());
        assert_eq!(state.resume_index(&ids), 2);
    }

    #[test]
    fn round_trips_through_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = ProgressStore::new(&dir.path().join("p.json"));
        assert!(!store.exists());
        let state = TutorialState {
            lab: "x".into(),
            done: ["a".to_string()].into(),
            current: Some("b".into()),
        };
        store.save(&state).unwrap();
        assert_eq!(store.load().unwrap(), state);
        store.clear().unwrap();
        assert!(store.load().is_none());
    }
}
