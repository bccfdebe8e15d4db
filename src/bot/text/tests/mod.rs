// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

mod distance_lang;
mod stems;
mod tables;
mod tokens;

use super::lang::{EN_MARKERS, ID_MARKERS};
use super::slang::SLANG;
use super::stem_indonesian::is_root_with;
use super::stem_tables::{PROTECTED, ROOTS};
use super::stopwords::STOPWORDS;
use super::word_set::{
    EN_MARKER_SET, ID_MARKER_SET, PROTECTED_SET, ROOT_SET, SLANG_SET, STOPWORD_SET,
};
use super::{
    edit_distance_within, guess_lang, is_stopword, lookup_affixed_slang, lookup_slang, stem,
    strip_nge, tokens, typo_budget,
};

fn toks(text: &str) -> Vec<String> {
    tokens(text)
}
