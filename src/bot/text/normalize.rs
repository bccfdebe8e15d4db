// ---------------------------------------------------------------------------
// Normalizing and splitting
// ---------------------------------------------------------------------------

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Calls `emit` with each normalized (NFKD, unmarked, lowercase) token,
/// before slang mapping, stop words and stemming.
pub(super) fn for_each_raw_token(text: &str, emit: impl FnMut(&str)) {
    let mut splitter = Splitter {
        word: String::with_capacity(32),
        after_apostrophe: false,
        emit,
    };
    for c in text.chars() {
        splitter.push(c);
    }
    splitter.end_word();
}

struct Splitter<F: FnMut(&str)> {
    word: String,
    /// An apostrophe followed the last char of `word`: it is dropped if a
    /// letter or digit comes next, else it ends the word.
    after_apostrophe: bool,
    emit: F,
}

impl<F: FnMut(&str)> Splitter<F> {
    fn push(&mut self, c: char) {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                self.after_apostrophe = false;
                self.word.push(c.to_ascii_lowercase());
            } else if is_apostrophe(c) {
                self.apostrophe();
            } else {
                self.end_word();
            }
        } else if is_ignorable(c) {
            // Invisible: neither a letter nor a break.
        } else if is_apostrophe(c) {
            self.apostrophe();
        } else {
            decompose_compatible(c, |d| self.push_decomposed(d));
        }
    }

    fn push_decomposed(&mut self, d: char) {
        if is_combining_mark(d) || is_ignorable(d) {
            return;
        }
        if is_apostrophe(d) {
            self.apostrophe();
            return;
        }
        for l in d.to_lowercase() {
            if is_combining_mark(l) {
                continue;
            }
            if l.is_alphanumeric() {
                self.after_apostrophe = false;
                self.word.push(l);
            } else {
                self.end_word();
            }
        }
    }

    fn apostrophe(&mut self) {
        if self.word.is_empty() || self.after_apostrophe {
            self.end_word();
        } else {
            self.after_apostrophe = true;
        }
    }

    fn end_word(&mut self) {
        self.after_apostrophe = false;
        if !self.word.is_empty() {
            (self.emit)(&self.word);
            self.word.clear();
        }
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`'
            | '\u{00B4}'
            | '\u{02B9}'
            | '\u{02BB}'
            | '\u{02BC}'
            | '\u{02BD}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{201B}'
            | '\u{2032}'
            | '\u{FF07}'
    )
}

/// Default-ignorable format characters (minus U+200B, which is a space).
fn is_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200C}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}
