use super::*;

#[test]
fn slang_and_stop_words() {
    // Question words are stop words, so "brp" (→ "berapa") goes too.
    assert_eq!(
        toks("brp ongkir ke medan kak?"),
        ["ongkos", "kirim", "medan"]
    );
    assert_eq!(toks("gratis ongkir"), ["gratis", "ongkos", "kirim"]);
    assert_eq!(
        toks("sy udh tf tp blm masuk"),
        ["transfer", "belum", "masuk"]
    );
    assert_eq!(
        toks("gmn cara tf ke rek bca?"),
        ["transfer", "rekening", "bca"]
    );
    assert_eq!(toks("pesanan gak nyampe min"), ["pesan", "tidak", "sampai"]);
    assert_eq!(
        toks("kok barangnya blm dtg sih kak"),
        ["barang", "belum", "datang"]
    );
    assert_eq!(toks("hrg brg ini brp?"), ["harga", "barang"]);
    assert_eq!(toks("tlg kirimin norek dong"), ["kirim", "rekening"]);
    assert_eq!(
        toks("pesenan sy udah dibayar tp statusnya blm berubah"),
        ["pesan", "bayar", "status", "belum", "ubah"]
    );
    assert_eq!(toks("halo kak, mau tanya dong"), ["tanya"]);
    assert_eq!(toks("COD bisa?"), ["cod"]);
    assert_eq!(
        toks("barang2 yg kmrn blm dikirim2"),
        ["barang", "belum", "kirim"]
    );
    assert_eq!(toks("ps2 mp3 2x24 a2"), ["ps2", "mp3", "2x24", "a2"]);
    assert_eq!(
        toks("kak knp blm ada balesan dr admin?"),
        ["belum", "balas", "admin"]
    );
    assert_eq!(toks("gabisa login"), ["tidak", "login"]);
    // Thanks in any spelling is one canonical token.
    for thanks in [
        "makasih kak",
        "terima kasih ya",
        "Terima  kasih!",
        "thx",
        "Thank you so much",
        "thanks!!",
        "trims gan",
        "tq",
    ] {
        assert_eq!(toks(thanks), ["thanks"], "{thanks}");
    }
    assert_eq!(toks("sudah terima barangnya"), ["terima", "barang"]);
    assert_eq!(toks("kasih tau ya"), ["kasih", "tahu"]);
    // English chat.
    assert_eq!(toks("pls help, where is my order?"), ["help", "order"]);
    assert_eq!(toks("can u check ur system"), ["check", "system"]);
    assert_eq!(
        toks("What's the status of my refund?"),
        ["status", "refund"]
    );
    assert!(is_stopword("yang") && is_stopword("the") && is_stopword("berapa"));
    assert!(!is_stopword("tidak") && !is_stopword("not") && !is_stopword("thanks"));
}

#[test]
fn diacritics_and_compatibility_forms() {
    assert_eq!(toks("Café"), ["cafe"]);
    assert_eq!(toks("ﬁle"), ["file"]);
    assert_eq!(toks("ＲＥＦＵＮＤ"), ["refund"]);
    assert_eq!(toks("Crème Brûlée"), ["crem", "brulee"]);
    assert_eq!(toks("PEMBAYARAN"), ["bayar"]);
    assert_eq!(toks("Straße İstanbul"), ["straße", "istanbul"]);
    assert_eq!(toks("①②"), ["12"]);
    assert_eq!(toks("x² ½"), ["x2", "1", "2"]);
}

#[test]
fn punctuation_apostrophes_digits() {
    assert_eq!(toks("I didn't get it"), ["not"]);
    assert_eq!(toks("I didn’t get it"), ["not"]);
    assert_eq!(toks("what's the fee?"), ["fee"]);
    assert_eq!(toks("customer's orders"), ["customer", "order"]);
    assert_eq!(toks("'quoted' words'"), ["quot", "word"]);
    assert_eq!(toks("rock''n"), ["rock"]);
    assert_eq!(
        toks("refund...status!!!(urgent)"),
        ["refund", "status", "urgent"]
    );
    assert_eq!(
        toks("order 14, 2x24 jam / 5 hari"),
        ["order", "14", "2x24", "jam", "5", "hari"]
    );
    assert_eq!(toks("a b c 7 x"), ["7"]);
    assert_eq!(toks("e-mail"), ["mail"]);
    assert_eq!(toks("barang-barang"), ["barang", "barang"]);
    assert_eq!(toks(""), Vec::<String>::new());
    assert_eq!(toks("  ,.;!?  "), Vec::<String>::new());
}

#[test]
fn invisible_characters() {
    // Joiners and soft hyphens inside a word do not split it.
    assert_eq!(toks("pem\u{00AD}bayaran"), ["bayar"]);
    assert_eq!(toks("ref\u{200D}und"), ["refund"]);
    assert_eq!(toks("\u{FEFF}refund\u{200F}"), ["refund"]);
    // The zero width space is a space.
    assert_eq!(toks("refund\u{200B}status"), ["refund", "status"]);
}

#[test]
fn odd_unicode_never_panics() {
    let mut samples: Vec<String> = [
        "",
        "😀👍🏽👨‍👩‍👧‍👦🇮🇩 refund 🙏",
        "مرحبا، أين طلبي؟ ١٢٣",
        "שלום, איפה ההזמנה שלי?",
        "\u{202E}dnufer\u{202C} \u{2066}status\u{2069}",
        "\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}",
        "Z̵̡̢͇͔̀͌a̸̛͓̟͐l̶̢̛̞g̷̨̛o̴̢̧̍ t̷e̵x̶t̴",
        "e\u{301}\u{302}\u{303}\u{304}",
        "\u{301}\u{302}leading marks",
        "ǅǈǋ ﬀﬃﬄ ㍿ ㌀ ﷺ ẞ İı ŉ",
        "日本語のテキスト 한국어 텍스트 ไทย",
        "'''’’’``´´",
        "a'b'c'd",
        "\0\u{1}\u{7f}\u{80}\u{9f}",
        "\u{10FFFF}\u{E0001}\u{E007F}\u{FFFD}",
        "nyanyanya lahlahlah kahkah punpunpun",
        "memperbaikilahnya dipertanggungjawabkannya",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    samples.push("a".repeat(10_000));
    samples.push("é".repeat(10_000));
    samples.push("👍".repeat(10_000));
    samples.push("pengembalian ".repeat(1_000));
    samples.push("\u{301}".repeat(10_000));
    samples.push("ﷺ".repeat(10_000));
    samples.push("menyeng".repeat(2_000));
    // Pseudo-random chars from every plane.
    let mut seed: u32 = 0x9E37_79B9;
    let mut random = String::new();
    while random.chars().count() < 10_000 {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let c = match seed % 4 {
            0 => char::from_u32(seed % 0x80),
            1 => char::from_u32(seed % 0x3000),
            2 => char::from_u32(seed % 0x11_0000),
            _ => ['\'', '’', '\u{200D}', '\u{301}', ' ', 'n', 'y', 'a']
                .get((seed % 8) as usize)
                .copied(),
        };
        random.extend(c);
    }
    samples.push(random);
    for s in &samples {
        let t = tokens(s);
        for token in &t {
            assert!(!token.is_empty());
            let _ = stem(token);
            let _ = edit_distance_within(token, "refund", typo_budget(token.chars().count()));
        }
        let _ = stem(s);
        let _ = guess_lang(s);
        let _ = is_stopword(s);
        let _ = edit_distance_within(s, "pengembalian", 2);
        let _ = edit_distance_within(s, s, 0);
    }
    // Long inputs through the edit distance, bounded and unbounded.
    let long_a = "ab".repeat(5_000);
    let long_b = "ba".repeat(5_000);
    assert_eq!(edit_distance_within(&long_a, &long_b, 2), Some(2));
    assert_eq!(edit_distance_within(&long_a, &long_b, 1), None);
    assert_eq!(edit_distance_within(&long_a, &long_a, 0), Some(0));
    let (a, b) = ("é".repeat(1_000), "e".repeat(1_000));
    assert_eq!(edit_distance_within(&a, &b, usize::MAX), Some(1_000));
    assert_eq!(
        edit_distance_within(&"x".repeat(10_000), "", 10_000),
        Some(10_000)
    );
}

#[test]
fn colloquial_affixes_around_chat_spellings() {
    // A slang spelling inside di-/ke-/ter- and -nya/-in/-innya.
    assert_eq!(toks("dibales"), ["balas"]);
    assert_eq!(toks("dibalesin"), ["balas"]);
    assert_eq!(toks("dapetnya"), ["dapat"]);
    // "kepake" is "pakai", a stop word like "use".
    assert_eq!(
        lookup_affixed_slang("kepake").map(|e| e.1),
        Some(&["pakai"][..])
    );
    assert_eq!(toks("nyampenya"), ["sampai"]);
    assert_eq!(toks("kegedean"), ["besar"]);
    // nge- goes, leaving a slang spelling or a loanword.
    assert_eq!(toks("ngebales"), ["balas"]);
    assert_eq!(toks("ngerefund"), ["refund"]);
    assert_eq!(toks("ngecek"), ["cek"]);
    assert_eq!(strip_nge("ngeri"), "ngeri");
    // Plain words are untouched.
    assert_eq!(toks("dikirimnya"), ["kirim"]);
    assert_eq!(toks("admin login"), ["admin", "login"]);
    assert!(lookup_affixed_slang("ga").is_none() && lookup_affixed_slang("diga").is_none());
}

#[test]
fn english_irregular_verbs_meet_their_base() {
    assert_eq!(toks("paid"), toks("payment"));
    assert_eq!(toks("sent"), toks("send"));
    assert_eq!(toks("bought"), toks("buy"));
    assert_eq!(toks("forgot"), toks("forget"));
    assert_eq!(toks("lost"), toks("lose"));
}

#[test]
fn fillers_are_stop_words() {
    assert_eq!(toks("can someone tell me"), Vec::<String>::new());
    assert_eq!(toks("which couriers do u use"), ["courier"]);
    assert_eq!(toks("bisa keep dulu gitu"), ["keep"]);
    assert_eq!(toks("kirim kemana"), ["kirim"]);
}
