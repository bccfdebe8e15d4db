// ---------------------------------------------------------------------------
// Word tables
// ---------------------------------------------------------------------------

use std::sync::LazyLock;

use super::lang::{EN_MARKERS, ID_MARKERS};
use super::slang::SLANG;
use super::stem_tables::{PROTECTED, ROOTS};
use super::stopwords::STOPWORDS;

/// The word tables (in the sibling modules) are sorted static slices
/// (readable, checked by a test); lookups go through these hash sets, built
/// once on first use, because `tokens` does a dozen lookups per word.
pub(super) static SLANG_SET: LazyLock<WordSet> =
    LazyLock::new(|| WordSet::new(SLANG.iter().map(|e| e.0)));
pub(super) static STOPWORD_SET: LazyLock<WordSet> =
    LazyLock::new(|| WordSet::new(STOPWORDS.iter().copied()));
pub(super) static PROTECTED_SET: LazyLock<WordSet> =
    LazyLock::new(|| WordSet::new(PROTECTED.iter().copied()));
pub(super) static ROOT_SET: LazyLock<WordSet> =
    LazyLock::new(|| WordSet::new(ROOTS.iter().copied()));
pub(super) static ID_MARKER_SET: LazyLock<WordSet> =
    LazyLock::new(|| WordSet::new(ID_MARKERS.iter().copied()));
pub(super) static EN_MARKER_SET: LazyLock<WordSet> =
    LazyLock::new(|| WordSet::new(EN_MARKERS.iter().copied()));

/// An open-addressing hash set of static words (FNV-1a, linear probing,
/// at most half full), answering with the word's index in its table.
pub(super) struct WordSet {
    slots: Vec<Option<(&'static str, usize)>>,
}

impl WordSet {
    fn new(words: impl ExactSizeIterator<Item = &'static str>) -> Self {
        let size = (words.len() * 2).next_power_of_two().max(16);
        let mut slots = vec![None; size];
        for (index, word) in words.enumerate() {
            let mut i = fnv1a(word) & (size - 1);
            while let Some(Some(_)) = slots.get(i) {
                i = (i + 1) & (size - 1);
            }
            if let Some(slot) = slots.get_mut(i) {
                *slot = Some((word, index));
            }
        }
        WordSet { slots }
    }

    pub(super) fn find(&self, word: &str) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut i = fnv1a(word) & mask;
        // Never loops forever: at least half the slots are empty.
        while let Some(Some((w, index))) = self.slots.get(i) {
            if *w == word {
                return Some(*index);
            }
            i = (i + 1) & mask;
        }
        None
    }

    pub(super) fn contains(&self, word: &str) -> bool {
        self.find(word).is_some()
    }
}

fn fnv1a(word: &str) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    // Fold the high bits in: the mask keeps only the low ones.
    (hash ^ (hash >> 32)) as usize
}
