use super::*;

#[test]
fn tables_are_sorted_and_unique() {
    let keys: Vec<&str> = SLANG.iter().map(|e| e.0).collect();
    for (name, list) in [
        ("SLANG", keys.as_slice()),
        ("STOPWORDS", STOPWORDS),
        ("PROTECTED", PROTECTED),
        ("ROOTS", ROOTS),
        ("ID_MARKERS", ID_MARKERS),
        ("EN_MARKERS", EN_MARKERS),
    ] {
        for pair in list.windows(2) {
            assert!(pair[0] < pair[1], "{name} not sorted/unique at {:?}", pair);
        }
    }
}

#[test]
fn word_sets_match_their_tables() {
    for (set, table) in [
        (&*STOPWORD_SET, STOPWORDS),
        (&*PROTECTED_SET, PROTECTED),
        (&*ROOT_SET, ROOTS),
        (&*ID_MARKER_SET, ID_MARKERS),
        (&*EN_MARKER_SET, EN_MARKERS),
    ] {
        for (i, w) in table.iter().enumerate() {
            assert_eq!(set.find(w), Some(i), "{w}");
            assert!(!set.contains(&format!("{w}x")));
        }
    }
    for (i, e) in SLANG.iter().enumerate() {
        assert_eq!(SLANG_SET.find(e.0), Some(i));
    }
    assert!(!ROOT_SET.contains("") && !SLANG_SET.contains("zzzz"));
    assert!(
        is_root_with(b'k', "irim")
            && !is_root_with(b'k', "")
            && !is_root_with(b'k', &"a".repeat(50))
    );
}

#[test]
fn slang_outputs_are_normalized_words() {
    for (from, to, _) in SLANG {
        assert!(!to.is_empty(), "{from}");
        assert_eq!(toks(from).len(), toks(from).len());
        for w in *to {
            assert!(
                !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
                "{from} → {w}"
            );
            // A canonical form is not itself a (different) slang spelling.
            assert!(
                lookup_slang(w).is_none_or(|e| e.1 == [*w]),
                "{from} → {w} is slang"
            );
        }
    }
}

#[test]
fn required_slang_mappings() {
    let required: &[(&[&str], &[&str])] = &[
        (&["brp"], &["berapa"]),
        (&["gmn", "gimana", "bgmn"], &["bagaimana"]),
        (&["yg"], &["yang"]),
        (&["sy", "aku", "gw", "gue"], &["saya"]),
        (&["bs"], &["bisa"]),
        (&["dgn", "dg"], &["dengan"]),
        (
            &["tdk", "gak", "ga", "nggak", "ngga", "enggak", "gk", "tak"],
            &["tidak"],
        ),
        (&["udh", "udah", "sdh"], &["sudah"]),
        (&["blm", "belom"], &["belum"]),
        (&["krn", "karna"], &["karena"]),
        (&["utk"], &["untuk"]),
        (&["tp", "tapi"], &["tetapi"]),
        (&["jg"], &["juga"]),
        (&["aja", "aj"], &["saja"]),
        (&["kalo", "klo", "kl"], &["kalau"]),
        (&["dmn"], &["dimana"]),
        (&["kpn"], &["kapan"]),
        (&["knp", "napa", "kenapa"], &["mengapa"]),
        (&["mo"], &["mau"]),
        (&["trs", "trus"], &["terus"]),
        (&["sm", "ama"], &["sama"]),
        (&["bgt"], &["banget"]),
        (&["tlg"], &["tolong"]),
        (
            &[
                "thx",
                "tks",
                "makasih",
                "mksh",
                "trims",
                "thanks",
                "thank",
                "terimakasih",
            ],
            &["thanks"],
        ),
        (&["ongkir"], &["ongkos", "kirim"]),
        (&["tf"], &["transfer"]),
        (&["rek", "norek"], &["rekening"]),
        (&["pesenan", "psnan"], &["pesanan"]),
        (&["brg"], &["barang"]),
        (&["hrg"], &["harga"]),
        (&["dr"], &["dari"]),
        (&["pd"], &["pada"]),
        (&["lg", "lgi"], &["lagi"]),
        (&["sampe", "smpe", "nyampe"], &["sampai"]),
        (&["dtg"], &["datang"]),
        (&["kirimin"], &["kirim"]),
        (&["bales", "blas"], &["balas"]),
        (&["pls", "plz"], &["please"]),
        (&["u"], &["you"]),
        (&["ur"], &["your"]),
        (&["r"], &["are"]),
    ];
    for (spellings, canonical) in required {
        for s in *spellings {
            assert_eq!(lookup_slang(s).map(|e| e.1), Some(*canonical), "{s}");
        }
    }
    // Identity spellings need no entry: they are already canonical.
    for w in ["bisa", "untuk", "dimana", "mau", "cod", "gratis"] {
        assert!(lookup_slang(w).is_none(), "{w}");
    }
    for w in [
        "dong",
        "deh",
        "sih",
        "kak",
        "ka",
        "kakak",
        "min",
        "mimin",
        "gan",
        "sis",
        "bang",
        "ya",
        "yah",
        "nih",
        "tuh",
        "lah",
        "kah",
        "pun",
        "loh",
        "kok",
        "halo",
        "hi",
        "hello",
        "the",
        "a",
        "an",
        "is",
        "are",
        "to",
        "of",
        "for",
        "my",
        "i",
        "me",
        "you",
        "your",
        "it",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "will",
        "please",
        "on",
        "in",
        "at",
        "and",
        "or",
        "be",
        "this",
        "that",
        "with",
        "what",
        "how",
        "when",
        "where",
        "why",
        "yang",
        "di",
        "ke",
        "dari",
        "dan",
        "atau",
        "ini",
        "itu",
        "saya",
        "aku",
        "anda",
        "kamu",
        "apa",
        "apakah",
        "bagaimana",
        "berapa",
    ] {
        // "aku" is slang for "saya"; everything else is a stop word as is.
        let canonical = lookup_slang(w).map_or(w, |e| e.1[0]);
        assert!(is_stopword(canonical), "{w}");
    }
}
